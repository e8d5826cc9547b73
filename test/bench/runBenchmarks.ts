import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { agentAllocationsPerSecond } from "./agentAllocations.js";
import { bareSqliteInsertsPerSecond } from "./baselines.js";
import { formatRate, median, repeat } from "./benchStats.js";
import { reportKafkaBenchmarks } from "./kafkaBench.js";
import { reportCniBenchmarks } from "./cniBench.js";
import { reportContentionBenchmarks } from "./contentionBench.js";
import { kubeProjectionBurst, type KubeBurstFigures } from "./kubeBench.js";
import { reportAuditBenchmarks } from "./auditBench.js";
import { reportHistoryBenchmarks } from "./historyBench.js";
import { reportScaleBenchmarks, reportSnapshotBenchmarks } from "./snapshotBench.js";
import { reportConsoleBenchmarks } from "./consoleBench.js";
import { reportStartBenchmarks } from "./startBench.js";

/**
 * `npm run bench`: each figure is the median of RUNS runs, measured in this run next to its
 * baseline, so the ratio means something on a small, noisy machine.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ALLOCATIONS = Number(process.env.BENCH_ALLOCATIONS ?? 1000);
const root = fileURLToPath(new URL("../../..", import.meta.url));

async function main(): Promise<void> {
  const lines: string[] = [];
  const report = (line: string): void => {
    lines.push(line);
    process.stdout.write(`${line}\n`);
  };
  report(`ipledger benchmarks: median of ${RUNS} runs, node ${process.version}, ${ALLOCATIONS} allocations per run`);
  const kafkaBrokers =
    process.env.IPLEDGER_KAFKA_BROKERS?.split(",")
      .map((broker) => broker.trim())
      .filter(Boolean) ?? [];
  if (process.env.BENCH_ONLY === "console") {
    await reportConsoleBenchmarks(report); // the console's pages on a 65,536-address pool and a 10,000-tenancy IP
    return;
  }
  if (process.env.BENCH_ONLY === "cni") {
    await reportCniBenchmarks(root, RUNS, kafkaBrokers, report);
    return;
  }
  if (process.env.BENCH_ONLY === "history") {
    await reportHistory(report);
    return;
  }
  if (process.env.BENCH_ONLY === "start") {
    await reportStartBenchmarks(Number(process.env.BENCH_START_EVENTS ?? 200_000), report);
    return;
  }
  if (process.env.BENCH_ONLY === "scale") {
    await reportScaleBenchmarks(Number(process.env.BENCH_LIVE_ALLOCATIONS ?? 1_000_000), report);
    return;
  }
  if (process.env.BENCH_ONLY === "contention") {
    if (kafkaBrokers.length === 0) throw new Error("BENCH_ONLY=contention needs IPLEDGER_KAFKA_BROKERS");
    await reportContentionBenchmarks(kafkaBrokers, report);
    return;
  }

  const bare = median(await repeat(RUNS, async () => bareSqliteInsertsPerSecond(ALLOCATIONS)));
  report(`baseline  bare better-sqlite3 insert (WAL, synchronous=FULL, 1 row/txn)  ${formatRate(bare)} rows/s`);
  for (const concurrency of [1, 16]) {
    const rate = median(await repeat(RUNS, () => agentAllocationsPerSecond(ALLOCATIONS, concurrency)));
    report(
      `ledger    ADD through the agent API, embedded log, ${String(concurrency).padStart(2)} in flight     ${formatRate(rate)} allocations/s  (${(rate / bare).toFixed(3)}× the bare insert)`,
    );
  }

  // The Kafka backend, next to raw kafkajs produce, when a broker is given (test/services/kafka/start).
  if (kafkaBrokers.length > 0) {
    await reportKafkaBenchmarks(kafkaBrokers, RUNS, ALLOCATIONS, report);
    // Many nodes, one pool: 20 agent processes contending (BENCH_ONLY=contention runs just this part).
    await reportContentionBenchmarks(kafkaBrokers, report);
  } else
    report(
      "kafka     skipped: set IPLEDGER_KAFKA_BROKERS (e.g. $(test/services/kafka/start | tail -n1)) to benchmark the Kafka log",
    );

  // The CNI call: both pipes against host-local, and the 1000-pod burst (BENCH_ONLY=cni runs just this part).
  await reportCniBenchmarks(root, RUNS, kafkaBrokers, report);

  // who --at over 10 million tenancies and attribute over 1 million lines (BENCH_AUDIT=0 skips them).
  if (process.env.BENCH_AUDIT !== "0") await reportAuditBenchmarks(RUNS, report);

  // A year of churn (BENCH_HISTORY=0 skips): replay, verify and restarts on a generator log.
  if (process.env.BENCH_HISTORY !== "0") await reportHistory(report);

  const kubeconfig = process.env.IPLEDGER_KUBECONFIG;
  if (!kubeconfig) {
    report(
      "projector skipped: set IPLEDGER_KUBECONFIG=$(test/services/kube/start | tail -n1) for the IPPool projection figures",
    );
    return;
  }
  const bursts: KubeBurstFigures[] = [];
  for (let run = 0; run < RUNS; run += 1) bursts.push(await kubeProjectionBurst(kubeconfig, ALLOCATIONS, 10));
  const lag = median(bursts.map((burst) => burst.lagMs));
  const writes = median(bursts.map((burst) => burst.writes));
  const events = median(bursts.map((burst) => burst.events));
  report(
    `projector ${ALLOCATIONS} ADDs over 10 pools → IPPools reflect the last event   ${lag.toFixed(0)} ms after it was appended (burst to converged ${median(bursts.map((burst) => burst.totalMs)).toFixed(0)} ms)`,
  );
  report(
    `projector IPPool API writes for that burst                         ${writes} writes for ${events} events (${(writes / events).toFixed(3)} per event; ${median(bursts.map((burst) => burst.conflicts))} refused with 409)`,
  );
}

/** Replay, verify, restarts and memory on generator logs (BENCH_ONLY=history runs just this part). */
async function reportHistory(report: (line: string) => void): Promise<void> {
  const historyEvents = Number(process.env.BENCH_HISTORY_EVENTS ?? 200_000);
  const liveAllocations = Number(process.env.BENCH_LIVE_ALLOCATIONS ?? 1_000_000);
  report(
    `history   load average at start ${loadavg()
      .map((load) => load.toFixed(2))
      .join(" ")} on ${cpus().length} cores (a shared machine)`,
  );
  await reportHistoryBenchmarks(historyEvents, RUNS, report);
  await reportSnapshotBenchmarks(historyEvents, liveAllocations, report);
  await reportStartBenchmarks(historyEvents, report);
  report(
    `history   load average at end ${loadavg()
      .map((load) => load.toFixed(2))
      .join(" ")}`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
