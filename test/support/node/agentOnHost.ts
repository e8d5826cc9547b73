import { execFile } from "node:child_process";
import { request } from "node:http";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Kubectl } from "./kubectl.js";
import type { Deployment } from "./deployIpledger.js";
import { REPO_ROOT } from "../repoRoot.js";

const run = promisify(execFile);
const CLI = join(REPO_ROOT, "dist", "src", "cli", "bin.js");
/** Where the DaemonSet's agent serves, on the host, as in production. */
export const AGENT_SOCKET = "/run/ipledger/agent.sock";

/** `ipledger ARGS` on the host (the checkout's CLI), returning stdout. */
export async function ipledger(args: readonly string[]): Promise<string> {
  try {
    return (await run(process.execPath, [CLI, ...args], { maxBuffer: 64 * 2 ** 20 })).stdout;
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`ipledger ${args.join(" ")}: ${e.stderr?.trim() || e.stdout?.trim() || e.message}`);
  }
}

export interface HolderView {
  ip: string;
  pool: string;
  podNamespace: string;
  podName: string;
  podUid: string;
  ifName: string;
  node: string;
}

/** `ipledger who IP` through the agent's socket on the host. */
export async function who(ip: string): Promise<HolderView | null> {
  const answer = JSON.parse(await ipledger(["who", ip, "--socket", AGENT_SOCKET, "--output", "json"])) as {
    holder: HolderView | null;
  };
  return answer.holder;
}

/** Every address held in `cidr`, through the agent's socket. */
export async function whoCidr(cidr: string): Promise<HolderView[]> {
  return (
    JSON.parse(await ipledger(["who", cidr, "--socket", AGENT_SOCKET, "--output", "json"])) as { holders: HolderView[] }
  ).holders;
}

/** `ipledger verify` of the deployment's Kafka log, replayed on the host into a scratch directory. */
export async function verifyLog(deployment: Deployment, dataDir: string): Promise<string> {
  return ipledger(["verify", "--kafka", deployment.brokers, "--topic", deployment.topic, "--data-dir", dataDir]);
}

/** GET `path` on the agent's socket (status and body); rejects when nothing answers. */
export function agentGet(path: string, timeoutMs = 3_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: AGENT_SOCKET, path, method: "GET", timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

/** IPPool CRs the projector wrote: address → "namespace/pod" for every allocation. */
export async function ippoolAllocations(kubectl: Kubectl): Promise<Map<string, string>> {
  const list = await kubectl.json<{
    items: { spec: { range: string; allocations?: Record<string, { podref: string }> } }[];
  }>(["get", "ippools.whereabouts.cni.cncf.io", "-A"]);
  const out = new Map<string, string>();
  for (const pool of list.items) {
    const base = pool.spec.range.split("/")[0] as string;
    const baseNumber = base.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
    for (const [offset, allocation] of Object.entries(pool.spec.allocations ?? {})) {
      const n = baseNumber + Number(offset);
      out.set([24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join("."), allocation.podref);
    }
  }
  return out;
}

/** The agent pod's running container: its id (containerd) and pod name. */
export async function agentContainer(
  kubectl: Kubectl,
): Promise<{ pod: string; containerId: string; restarts: number }> {
  const list = await kubectl.json<{
    items: {
      metadata: { name: string };
      status: {
        containerStatuses?: {
          name: string;
          containerID?: string;
          restartCount: number;
          state?: { running?: unknown };
        }[];
      };
    }[];
  }>(["-n", "ipledger", "get", "pods", "-l", "app.kubernetes.io/component=agent"]);
  for (const pod of list.items) {
    const status = pod.status.containerStatuses?.find((c) => c.name === "agent" && c.state?.running && c.containerID);
    if (status?.containerID)
      return {
        pod: pod.metadata.name,
        containerId: status.containerID.replace(/^containerd:\/\//, ""),
        restarts: status.restartCount,
      };
  }
  throw new Error("no running agent container");
}

/** Reads a Prometheus histogram's _sum and _count (all label sets added up). */
export function histogramTotals(metrics: string, name: string, labelFilter = ""): { sum: number; count: number } {
  let sum = 0;
  let count = 0;
  for (const line of metrics.split("\n")) {
    if (!line.includes(labelFilter)) continue;
    if (line.startsWith(`${name}_sum`)) sum += Number(line.split(" ").pop());
    if (line.startsWith(`${name}_count`)) count += Number(line.split(" ").pop());
  }
  return { sum, count };
}
