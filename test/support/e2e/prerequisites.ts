import { accessSync, constants, existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { AGENT_BIN, BRIDGE, MACVLAN, PLUGIN_BIN, PLUGIN_NATIVE, pipesUnderTest } from "./repoPaths.js";

/** What the e2e tests need, and what is missing. `environmental` problems may skip outside CI. */
export interface Prerequisites {
  readonly ok: boolean;
  /** Missing parts of the machine (root, packages): fail in CI, skip loudly elsewhere. */
  readonly environmental: readonly string[];
  /** Missing parts of this repository's build: always a failure. */
  readonly build: readonly string[];
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(command: string): boolean {
  return (process.env["PATH"] ?? "").split(delimiter).some((dir) => dir !== "" && isExecutable(join(dir, command)));
}

/** Checks root, Debian's CNI plugins, iproute2, and the compiled pipes and agent. */
export function checkPrerequisites(): Prerequisites {
  const environmental: string[] = [];
  if (process.getuid?.() !== 0)
    environmental.push("the e2e tests must run as root (they create network namespaces and links)");
  const missingTools = [BRIDGE, MACVLAN].filter((path) => !isExecutable(path));
  if (!onPath("ip")) missingTools.push("ip");
  if (missingTools.length > 0) {
    environmental.push(`missing ${missingTools.join(", ")}: apt-get install containernetworking-plugins iproute2`);
  }
  const build = [PLUGIN_BIN, AGENT_BIN]
    .filter((path) => !existsSync(path))
    .map((path) => `missing ${path}: run \`npm run build\` first`);
  if (pipesUnderTest().includes("native") && !existsSync(PLUGIN_NATIVE)) {
    build.push(
      `missing ${PLUGIN_NATIVE}: run \`npm run build:cni\` first (needs Go >= 1.26), or set IPLEDGER_E2E_PLUGIN=node`,
    );
  }
  return { ok: environmental.length === 0 && build.length === 0, environmental, build };
}
