import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { median } from "./benchStats.js";
import { cpuSeconds, pipeExecs, runCni, startBenchAgent, type CniExec } from "./pipeProcesses.js";

/** Per pod, median wall milliseconds of ADD then DEL, and mean CPU milliseconds of the plugin processes (and of the agent). */
export interface PerPod {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly agentCpuMs: number;
}

export interface PluginFigures {
  readonly hostLocal?: PerPod;
  readonly native: PerPod;
  readonly node: PerPod;
}

async function perPod(
  exec: CniExec,
  config: unknown,
  pods: number,
  prefix: string,
  agentPid?: number,
): Promise<PerPod> {
  const times: number[] = [];
  const cpuBefore = cpuSeconds("self").children;
  const agentBefore = agentPid === undefined ? 0 : cpuSeconds(agentPid).own;
  for (let index = 0; index < pods; index += 1) {
    const started = process.hrtime.bigint();
    await runCni(exec, "ADD", `${prefix}-${index}`, config);
    await runCni(exec, "DEL", `${prefix}-${index}`, config);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  const agentCpu = agentPid === undefined ? 0 : cpuSeconds(agentPid).own - agentBefore;
  return {
    wallMs: median(times),
    cpuMs: ((cpuSeconds("self").children - cpuBefore) * 1000) / pods,
    agentCpuMs: (agentCpu * 1000) / pods,
  };
}

/**
 * ADD+DEL per pod, one pod at a time: ipledger's native pipe and node pipe against one agent
 * process on the embedded log, and Debian's host-local IPAM doing the same pair on its files.
 * Wall time is the median over `pods`; CPU time is that of the plugin processes (the harness's
 * reaped children, from /proc), per pod. Each figure is the median of `runs` runs.
 */
export async function pluginAddDelFigures(root: string, pods: number, runs: number): Promise<PluginFigures> {
  const dir = mkdtempSync(join(tmpdir(), "ipledger-bench-cni-"));
  const agent = await startBenchAgent(root, join(dir, "data"));
  const execs = pipeExecs(root);
  try {
    const ledgerConfig = {
      cniVersion: "1.0.0",
      name: "bench",
      type: "macvlan",
      ipam: { type: "ipledger", range: "10.129.0.0/16", socket: agent.socketPath, agent_timeout_seconds: 60 },
    };
    const hostLocalConfig = {
      cniVersion: "1.0.0",
      name: "bench",
      type: "macvlan",
      ipam: { type: "host-local", ranges: [[{ subnet: "10.130.0.0/16" }]], dataDir: join(dir, "host-local") },
    };
    const samples: Record<"hostLocal" | "native" | "node", PerPod[]> = { hostLocal: [], native: [], node: [] };
    for (let run = 0; run < runs; run += 1) {
      // Interleaved, so drift on a shared machine hits all three alike.
      if (existsSync(execs.hostLocal.file))
        samples.hostLocal.push(await perPod(execs.hostLocal, hostLocalConfig, pods, `hl${run}`));
      samples.native.push(await perPod(execs.native, ledgerConfig, pods, `nat${run}`, agent.pid));
      samples.node.push(await perPod(execs.node, ledgerConfig, pods, `node${run}`, agent.pid));
    }
    const mid = (list: PerPod[]): PerPod => ({
      wallMs: median(list.map((p) => p.wallMs)),
      cpuMs: median(list.map((p) => p.cpuMs)),
      agentCpuMs: median(list.map((p) => p.agentCpuMs)),
    });
    return {
      ...(samples.hostLocal.length > 0 ? { hostLocal: mid(samples.hostLocal) } : {}),
      native: mid(samples.native),
      node: mid(samples.node),
    };
  } finally {
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
