import { spawnSync } from "node:child_process";
import { processMilliseconds } from "./baselines.js";
import { median, repeat } from "./benchStats.js";
import { pipeBurst, type BurstFigures } from "./pipeBurst.js";
import { pipeExecs } from "./pipeProcesses.js";
import { pluginAddDelFigures } from "./pluginAddDel.js";

/** Milliseconds for one run of `file` (CNI VERSION), start to exit. */
function startMilliseconds(file: string, args: readonly string[]): number {
  const started = process.hrtime.bigint();
  spawnSync(file, args, {
    env: { CNI_COMMAND: "VERSION" },
    input: '{"cniVersion":"1.0.0"}',
    stdio: ["pipe", "ignore", "ignore"],
  });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function burstLine(label: string, figures: BurstFigures): string {
  const share = figures.pipeCpuSeconds / (figures.pipeCpuSeconds + figures.agentCpuSeconds);
  return (
    `burst     ${label.padEnd(44)} ${figures.wallSeconds.toFixed(1).padStart(6)} s  ${figures.podsPerSecond.toFixed(0).padStart(4)} pods/s  ` +
    `p50 ${figures.p50Ms.toFixed(0)} ms  p99 ${figures.p99Ms.toFixed(0)} ms  CPU: pipes ${figures.pipeCpuSeconds.toFixed(2)} s, agent ${figures.agentCpuSeconds.toFixed(2)} s (pipes ${(share * 100).toFixed(0)} %)`
  );
}

/**
 * The CNI call, measured: start-up of each executable, ADD+DEL per pod against Debian's
 * host-local (wall and CPU, target ≤ 1.5× host-local), and BENCH_BURST_PODS ADDs (default 1000),
 * 50 in parallel, through the native pipe into one agent on the embedded log and on Kafka, and
 * through the node pipe for contrast (target: the pipes take under half of the CPU).
 */
export async function reportCniBenchmarks(
  root: string,
  runs: number,
  brokers: readonly string[],
  report: (line: string) => void,
): Promise<void> {
  const execs = pipeExecs(root);
  const nodeStart = median(await repeat(runs * 3, async () => processMilliseconds(["-e", "0"])));
  const nativeStart = median(
    await repeat(runs * 3, async () => startMilliseconds(execs.native.file, execs.native.args)),
  );
  const nodePipeStart = median(await repeat(runs * 3, async () => startMilliseconds(execs.node.file, execs.node.args)));
  report(`baseline  node -e 0                                                   ${nodeStart.toFixed(1)} ms`);
  report(`plugin    VERSION, native pipe dist/ipledger-cni                       ${nativeStart.toFixed(1)} ms`);
  report(
    `plugin    VERSION, node pipe dist/plugin/bin.js                        ${nodePipeStart.toFixed(1)} ms  (${(nodePipeStart / nativeStart).toFixed(1)}× the native pipe)`,
  );

  const pods = Number(process.env.BENCH_PODS ?? 50);
  const perPod = await pluginAddDelFigures(root, pods, runs);
  const base = perPod.hostLocal;
  const versus = (wall: number, cpu: number): string =>
    base ? `  (${(wall / base.wallMs).toFixed(2)}× host-local wall, ${(cpu / base.cpuMs).toFixed(2)}× its CPU)` : "";
  if (base)
    report(
      `baseline  Debian host-local, ADD+DEL per pod (median of ${pods})               ${base.wallMs.toFixed(1)} ms wall, ${base.cpuMs.toFixed(1)} ms CPU`,
    );
  else report("baseline  Debian host-local: not installed (apt-get install containernetworking-plugins)");
  report(
    `plugin    ADD+DEL per pod, native pipe                                ${perPod.native.wallMs.toFixed(1)} ms wall, ${perPod.native.cpuMs.toFixed(1)} ms CPU${versus(perPod.native.wallMs, perPod.native.cpuMs)}; agent ${perPod.native.agentCpuMs.toFixed(1)} ms CPU`,
  );
  report(
    `plugin    ADD+DEL per pod, node pipe                                  ${perPod.node.wallMs.toFixed(1)} ms wall, ${perPod.node.cpuMs.toFixed(1)} ms CPU${versus(perPod.node.wallMs, perPod.node.cpuMs)}; agent ${perPod.node.agentCpuMs.toFixed(1)} ms CPU`,
  );

  const burstPods = Number(process.env.BENCH_BURST_PODS ?? 1000);
  const parallel = 50;
  report(`burst     ${burstPods} ADDs, ${parallel} in parallel, into one fresh agent process`);
  report(burstLine("native pipe, embedded log", await pipeBurst(root, execs.native, burstPods, parallel)));
  if (brokers.length > 0)
    report(burstLine("native pipe, Kafka log", await pipeBurst(root, execs.native, burstPods, parallel, brokers)));
  else report("burst     native pipe, Kafka log: skipped (set IPLEDGER_KAFKA_BROKERS)");
  report(burstLine("node pipe, embedded log (contrast)", await pipeBurst(root, execs.node, burstPods, parallel)));
}
