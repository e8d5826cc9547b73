import { execFile } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../repoRoot.js";
import { promisify } from "node:util";
import type { NodeService } from "./nodeService.js";

const run = promisify(execFile);

/** The image name test/node/overlay deploys. */
export const IMAGE_REPOSITORY = "localhost/ipledger";
export const IMAGE_TAG = "node-test";

/**
 * Assembles the ipledger image from this checkout (scripts/image/assemble.mjs: dist/, the
 * production node_modules, dist/ipledger-cni, deploy/image) and imports it into the node's
 * containerd under `repository:tag`. Nothing is pulled or pushed.
 */
export async function buildAndImportImage(node: NodeService, tag = IMAGE_TAG): Promise<string> {
  const dir = join(node.stateDir, "images");
  mkdirSync(dir, { recursive: true });
  const tar = join(dir, `ipledger-${tag}.tar`);
  const name = `${IMAGE_REPOSITORY}:${tag}`;
  await run(process.execPath, [join(REPO_ROOT, "scripts/image/assemble.mjs"), "--out", tar, "--name", name], {
    cwd: REPO_ROOT,
    maxBuffer: 16 * 2 ** 20,
  });
  await ctr(node, ["images", "import", tar]);
  return name;
}

/** `ctr -n k8s.io ARGS` against the node's containerd. */
export async function ctr(node: NodeService, args: readonly string[]): Promise<string> {
  const { stdout } = await run("ctr", ["--address", node.containerdSocket, "-n", "k8s.io", ...args], {
    maxBuffer: 16 * 2 ** 20,
  });
  return stdout;
}
