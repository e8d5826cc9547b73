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
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "ipledger") return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no ipledger package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

export const REPO_ROOT = findRepoRoot();
/** The compiled CNI plugin (`npm run build`). */
export const PLUGIN_BIN = join(REPO_ROOT, "dist", "plugin", "bin.js");
/** The plugin as a single executable (`node scripts/buildSea.mjs`). */
export const PLUGIN_SEA = join(REPO_ROOT, "dist", "ipledger-cni");
/** The compiled CLI whose `agent` command is the real agent (`npm run build`). */
export const AGENT_BIN = join(REPO_ROOT, "dist", "src", "cli", "bin.js");
/** Debian's containernetworking-plugins. */
export const CNI_PLUGIN_DIR = "/usr/lib/cni";
export const BRIDGE = join(CNI_PLUGIN_DIR, "bridge");
export const MACVLAN = join(CNI_PLUGIN_DIR, "macvlan");
