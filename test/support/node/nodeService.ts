import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** The real single-node cluster of `test/services/node/start` (containerd, kubelet, Multus). */
export interface NodeService {
  /** Admin kubeconfig of the node's own apiserver. */
  readonly kubeconfig: string;
  /** kubectl built with the node (same Kubernetes version), else the one on PATH. */
  readonly kubectl: string;
  readonly nodeName: string;
  /** containerd's socket, for `ctr` (kill a container, restart the runtime). */
  readonly containerdSocket: string;
  /** The node's state directory (containerd's config and pid file are in it). */
  readonly stateDir: string;
  /** The apiserver's port on 127.0.0.1. */
  readonly apiserverPort: string;
}

const START_HINT = "start it with: export IPLEDGER_NODE_KUBECONFIG=$(test/services/node/start | tail -n1)   (as root)";

function readEnvFile(path: string): Record<string, string> {
  const entries = readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => /^[A-Z_]+=/.test(line));
  return Object.fromEntries(
    entries.map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
}

/**
 * Finds the node from `IPLEDGER_NODE_KUBECONFIG` (the last line `test/services/node/start`
 * prints; its env file lies two directories up). Missing: throws under `CI`, else warns loudly
 * and returns `undefined` so the suite skips.
 */
export function findNodeService(suite: string): NodeService | undefined {
  const kubeconfig = process.env["IPLEDGER_NODE_KUBECONFIG"];
  const envFile = kubeconfig ? join(dirname(dirname(kubeconfig)), "env") : "";
  const problem = !kubeconfig
    ? "IPLEDGER_NODE_KUBECONFIG is not set"
    : !existsSync(envFile)
      ? `${envFile} (written by the node's start) does not exist`
      : undefined;
  if (!problem && kubeconfig) {
    const env = readEnvFile(envFile);
    return {
      kubeconfig,
      kubectl: env["KUBECTL"] && existsSync(env["KUBECTL"]) ? env["KUBECTL"] : "kubectl",
      nodeName: env["NODE_NAME"] ?? "ipledger-node",
      containerdSocket: env["CONTAINERD_SOCK"] ?? "",
      stateDir: dirname(envFile),
      apiserverPort: env["KUBE_APISERVER_PORT"] ?? "",
    };
  }
  if (process.env["CI"]) throw new Error(`node suite "${suite}" needs the real node: ${problem}; ${START_HINT}`);
  const banner = "!".repeat(78);
  console.warn(
    `\n${banner}\nSKIPPING node suite "${suite}": ${problem}\n${START_HINT}\n(set CI=1 to make this a failure)\n${banner}\n`,
  );
  return undefined;
}
