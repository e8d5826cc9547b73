import { readFileSync } from "node:fs";
import { agentGet, histogramTotals } from "./agentOnHost.js";
import { ctr } from "./ipledgerImage.js";
import type { Kubectl } from "./kubectl.js";
import { podTemplate, waitPodsGone, waitPodsRunning } from "./multusPods.js";
import type { NodeService } from "./nodeService.js";

/** What one scale-up and scale-down of a Deployment measured. */
export interface BurstResult {
  replicas: number;
  /** From the scale-up request until every replica is Running with its network-status. */
  upSeconds: number;
  /** From the scale-down request until no replica is left. */
  downSeconds: number;
  /** CPU-seconds of containerd's finished children: every CNI plugin run (Multus, bridge, the IPAM plugin). */
  cniCpuSeconds: number;
  /** CPU-seconds of the ipledger agent process during the run (undefined when not measured). */
  agentCpuSeconds?: number;
  /** Mean ADD latency (s) the agent measured on its socket, and how many ADDs. */
  agentAdd?: { meanSeconds: number; count: number };
}

const TICKS_PER_SECOND = 100;

/** utime+stime (or cutime+cstime: children) of a process, in seconds. */
function cpuSeconds(pid: number, children: boolean): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields after the command: state is [0]; utime [11], stime [12], cutime [13], cstime [14].
  const [a, b] = children ? [13, 14] : [11, 12];
  return (Number(fields[a]) + Number(fields[b])) / TICKS_PER_SECOND;
}

function containerdPid(node: NodeService): number {
  return Number(readFileSync(`${node.stateDir}/containerd.pid`, "utf8").trim());
}

/** The host pid of the agent container's main process. */
export async function agentPid(node: NodeService, containerId: string): Promise<number> {
  const line = (await ctr(node, ["tasks", "ls"])).split("\n").find((l) => l.startsWith(containerId));
  if (!line) throw new Error(`no task for container ${containerId}`);
  return Number(line.split(/\s+/)[1]);
}

/**
 * Scales Deployment `name` (created here, pods on `network`) to `replicas`, waits until all
 * run, calls `atTop`, scales it to zero and waits until all are gone, measuring both and the
 * CPU spent.
 */
export async function scaleUpAndDown(
  node: NodeService,
  kubectl: Kubectl,
  namespace: string,
  name: string,
  network: string,
  replicas: number,
  agent?: { pid: number },
  atTop?: () => Promise<void>,
): Promise<BurstResult> {
  const manifest = (n: number) =>
    JSON.stringify({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name },
      spec: { replicas: n, selector: { matchLabels: { app: name } }, template: podTemplate({ app: name }, network) },
    });
  await kubectl.apply(manifest(0), namespace);
  const ctrd = containerdPid(node);
  const cni0 = cpuSeconds(ctrd, true);
  const agent0 = agent ? cpuSeconds(agent.pid, false) : 0;
  const add0 = agent
    ? histogramTotals((await agentGet("/metrics")).body, "ipledger_request_duration_seconds", "add")
    : undefined;

  const t0 = Date.now();
  await kubectl.apply(manifest(replicas), namespace);
  await waitPodsRunning(kubectl, namespace, `app=${name}`, replicas, 900_000);
  const upSeconds = (Date.now() - t0) / 1000;
  await atTop?.();
  const add1 = agent
    ? histogramTotals((await agentGet("/metrics")).body, "ipledger_request_duration_seconds", "add")
    : undefined;

  const t1 = Date.now();
  await kubectl.apply(manifest(0), namespace);
  await waitPodsGone(kubectl, namespace, `app=${name}`, 900_000);
  const downSeconds = (Date.now() - t1) / 1000;

  const result: BurstResult = { replicas, upSeconds, downSeconds, cniCpuSeconds: cpuSeconds(ctrd, true) - cni0 };
  if (agent && add0 && add1) {
    result.agentCpuSeconds = cpuSeconds(agent.pid, false) - agent0;
    const count = add1.count - add0.count;
    result.agentAdd = { count, meanSeconds: count > 0 ? (add1.sum - add0.sum) / count : 0 };
  }
  return result;
}
