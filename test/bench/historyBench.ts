import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { openSqliteEventLog } from "../../ledger/log/sqliteEventLog.js";
import { replayLog } from "../../projections/replay.js";
import { openSqliteProjection } from "../../projections/sqlite/sqliteProjection.js";
import { verifyLedger } from "../../projections/verifyLedger.js";
import { generateChurn } from "../../src/generate/churnGenerator.js";
import { bareBulkInsertSeconds } from "./bareBulkInsert.js";
import { formatRate, median } from "./benchStats.js";

const seconds = (started: bigint): number => Number(process.hrtime.bigint() - started) / 1e9;

/**
 * Replay and verify over a generator log, each next to its baseline measured in the same run
 * (alternating, `runs` times each, medians): a bare better-sqlite3 bulk insert of exactly the
 * rows the replay wrote (`bareBulkInsertSeconds`), and sha256 over the same event bytes.
 */
export async function reportHistoryBenchmarks(
  events: number,
  runs: number,
  report: (line: string) => void,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "ipledger-bench-history-"));
  const log = openSqliteEventLog({ path: join(dir, "ledger.db") });
  try {
    let started = process.hrtime.bigint();
    await generateChurn(log, { events, pools: 64, seed: 1 });
    report(
      `history   generate ${events} churn events (decider + embedded log)          ${formatRate(events / seconds(started))} events/s`,
    );
    const bodies = (
      new Database(join(dir, "ledger.db"), { readonly: true })
        .prepare("SELECT body FROM events")
        .pluck()
        .all() as string[]
    ).map((body) => Buffer.from(body));

    const [replay, bare, verify, sha] = [[], [], [], []] as [number[], number[], number[], number[]];
    for (let run = 0; run < runs; run += 1) {
      const replayed = join(dir, `replayed-${run}.db`);
      const projection = openSqliteProjection(replayed);
      started = process.hrtime.bigint();
      await replayLog(log, projection);
      replay.push(events / seconds(started));
      projection.close();
      bare.push(events / bareBulkInsertSeconds(replayed, join(dir, `bare-${run}.db`)).seconds);

      started = process.hrtime.bigint();
      const verified = await verifyLedger(log);
      verify.push(events / seconds(started));
      if (!verified.ok) throw new Error(`verify failed on a generated log: ${verified.problem}`);
      started = process.hrtime.bigint();
      for (const body of bodies) createHash("sha256").update(body).digest("hex");
      sha.push(events / seconds(started));
    }
    const [replayRate, bareRate, verifyRate, shaRate] = [median(replay), median(bare), median(verify), median(sha)];
    report(
      `baseline  bare better-sqlite3 bulk insert of the rows a replay writes (${events} events) ${formatRate(bareRate)} events/s`,
    );
    report(
      `history   replay ${events} events into SQLite                         ${formatRate(replayRate)} events/s  (${(replayRate / bareRate).toFixed(2)}× the bare bulk insert)`,
    );
    report(`baseline  sha256 over the same event bytes                           ${formatRate(shaRate)} events/s`);
    report(
      `history   verify ${events} events (chain + fold + one owner per address) ${formatRate(verifyRate)} events/s  (${(verifyRate / shaRate).toFixed(2)}× sha256 of the bytes)`,
    );
  } finally {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
