import { join } from "node:path";

import { REPO_ROOT } from "../repoRoot.js";

export { REPO_ROOT };
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
