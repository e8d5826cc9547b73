import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteEventLog } from "../../ledger/log/sqliteEventLog.js";
import { LOG_FILE, PROJECTION_FILE, startAgent } from "../../src/agent.js";
import { generateChurn } from "../../src/generate/churnGenerator.js";
import { formatRate } from "./benchStats.js";

const load = (): string =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(" ");

/** Milliseconds from `startAgent` to a listening, caught-up agent on a data dir with no projection. */
async function readyOnEmptyProjection(data: string, socket: string, bulkStartMinEvents: number) {
  rmSync(join(data, PROJECTION_FILE), { force: true });
  const started = process.hrtime.bigint();
  const agent = await startAgent({
    dataDir: data,
    socket,
    node: "bench",
    quiet: true,
    snapshotEveryEvents: 0, // a snapshot would not be used on an empty projection anyway
    bulkStartMinEvents,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const bulk = agent.bulkLoaded !== undefined;
  await agent.close();
  return { ms, bulk };
}

/**
 * A new node or a rebuilt projection: agent ready on a generator log with an empty projection,
 * the live row-by-row fold (bulk start off) next to the bulk start, same log, same run, with the
 * load average (`BENCH_ONLY=start`; `BENCH_START_EVENTS`, default 200,000).
 */
export async function reportStartBenchmarks(events: number, report: (line: string) => void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "ipledger-bench-start-"));
  try {
    const data = join(dir, "data");
    mkdirSync(data, { mode: 0o700 });
    const log = openSqliteEventLog({ path: join(data, LOG_FILE) });
    await generateChurn(log, { events, pools: 64, seed: 3 });
    await log.close();
    report(`start     load average before ${load()} on ${cpus().length} cores (a shared machine)`);
    const live = await readyOnEmptyProjection(data, join(dir, "a.sock"), 0);
    report(
      `start     agent ready, ${events} events, empty projection, live fold   ${live.ms.toFixed(0)} ms  (${formatRate(events / (live.ms / 1000))} events/s)`,
    );
    const bulk = await readyOnEmptyProjection(data, join(dir, "a.sock"), 10_000);
    if (!bulk.bulk) throw new Error("the bulk start was not taken on an empty projection");
    report(
      `start     agent ready, ${events} events, empty projection, bulk start  ${bulk.ms.toFixed(0)} ms  (${formatRate(events / (bulk.ms / 1000))} events/s; ${(live.ms / bulk.ms).toFixed(1)}× faster)`,
    );
    report(`start     load average after ${load()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
