import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The repository root, found by walking up from this file to ipledger's package.json, so the
 * helper works from test/support/e2e (vitest) and from dist/test/support/e2e (the build) alike.
 */
function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "ipledger")
      return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no ipledger package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

export const REPO_ROOT = findRepoRoot();
/** The compiled CNI plugin (`npm run build`). */
export const PLUGIN_BIN = join(REPO_ROOT, "dist", "plugin", "bin.js");
/** The native pipe, Go (`npm run build:cni`). */
export const PLUGIN_NATIVE = join(REPO_ROOT, "dist", "ipledger-cni");

/** The two CNI executables: the native pipe (what nodes run) and `node dist/plugin/bin.js`. */
export const PIPES = ["native", "node"] as const;
export type PipeKind = (typeof PIPES)[number];

/**
 * The pipes the e2e suites run against: both, unless IPLEDGER_E2E_PLUGIN names one
 * (`native` or `node`), e.g. to chase a failure through one of them.
 */
export function pipesUnderTest(): readonly PipeKind[] {
  const chosen = process.env["IPLEDGER_E2E_PLUGIN"];
  if (chosen === undefined || chosen === "") return PIPES;
  if (!(PIPES as readonly string[]).includes(chosen))
    throw new Error(`IPLEDGER_E2E_PLUGIN=${chosen}: use one of ${PIPES.join(", ")}`);
  return [chosen as PipeKind];
}
/** The compiled CLI whose `agent` command is the real agent (`npm run build`). */
export const AGENT_BIN = join(REPO_ROOT, "dist", "src", "cli", "bin.js");
/** Debian's containernetworking-plugins. */
export const CNI_PLUGIN_DIR = "/usr/lib/cni";
export const BRIDGE = join(CNI_PLUGIN_DIR, "bridge");
export const MACVLAN = join(CNI_PLUGIN_DIR, "macvlan");
