import { spawnSync } from "node:child_process";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEPLOY_DIR } from "./deployManifests.js";

/** The scripts the Dockerfile copies into the image, run here from `deploy/image/`. */
export const IMAGE_SCRIPTS = {
  cluster: join(DEPLOY_DIR, "image", "ipledger-cluster.sh"),
  installCni: join(DEPLOY_DIR, "image", "ipledger-install-cni.sh"),
  probe: join(DEPLOY_DIR, "image", "ipledger-probe.mjs"),
};

export interface ScriptRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a shell script with exactly `env` (plus PATH), as the kubelet would with the container's env. */
export function runScript(script: string, args: readonly string[], env: Record<string, string>): ScriptRun {
  const run = spawnSync("sh", [script, ...args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    encoding: "utf8",
    timeout: 20_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** An executable that stands in for `ipledger` and prints its arguments as one JSON array. */
export function fakeIpledger(dir: string): string {
  const path = join(dir, "fake-ipledger");
  writeFileSync(path, `#!${process.execPath}\nprocess.stdout.write(JSON.stringify(process.argv.slice(2)));\n`);
  chmodSync(path, 0o755);
  return path;
}
