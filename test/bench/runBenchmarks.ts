import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { agentAllocationsPerSecond } from "./agentAllocations.js";
import { bareSqliteInsertsPerSecond, processMilliseconds } from "./baselines.js";
import { formatRate, median, repeat } from "./benchStats.js";

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

  const bare = median(await repeat(RUNS, async () => bareSqliteInsertsPerSecond(ALLOCATIONS)));
  report(`baseline  bare better-sqlite3 insert (WAL, synchronous=FULL, 1 row/txn)  ${formatRate(bare)} rows/s`);
  for (const concurrency of [1, 16]) {
    const rate = median(await repeat(RUNS, () => agentAllocationsPerSecond(ALLOCATIONS, concurrency)));
    report(`ledger    ADD through the agent API, embedded log, ${String(concurrency).padStart(2)} in flight     ${formatRate(rate)} allocations/s  (${(rate / bare).toFixed(3)}× the bare insert)`);
  }

  const nodeStart = median(await repeat(RUNS * 3, async () => processMilliseconds(["-e", "0"])));
  report(`baseline  node -e 0                                                   ${nodeStart.toFixed(1)} ms`);
  const pluginStart = median(
    await repeat(RUNS * 3, async () => processMilliseconds([join(root, "dist/plugin/bin.js")], { ...process.env, CNI_COMMAND: "VERSION" }, '{"cniVersion":"1.0.0"}')),
  );
  report(`plugin    ipledger-cni VERSION (node dist/plugin/bin.js)                 ${pluginStart.toFixed(1)} ms  (${(pluginStart / nodeStart).toFixed(2)}× node -e 0)`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
