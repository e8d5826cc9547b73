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
import { formatRate } from "./benchStats.js";

const seconds = (started: bigint): number => Number(process.hrtime.bigint() - started) / 1e9;

/**
 * Replay and verify over a generator log, each next to its baseline measured in the same run:
 * a bare better-sqlite3 bulk insert of the same event rows (prepared, 20k rows a transaction,
 * no secondary index), and sha256 over the same event bytes.
 */
export async function reportHistoryBenchmarks(events: number, report: (line: string) => void): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "ipledger-bench-history-"));
  const log = openSqliteEventLog({ path: join(dir, "ledger.db") });
  try {
    let started = process.hrtime.bigint();
    await generateChurn(log, { events, pools: 64, seed: 1 });
    report(
      `history   generate ${events} churn events (decider + embedded log)          ${formatRate(events / seconds(started))} events/s`,
    );

    const bodies = new Database(join(dir, "ledger.db"), { readonly: true })
      .prepare('SELECT "partition", "offset", id, type, domain, pool, at, body FROM events')
      .all() as {
      partition: number;
      offset: number;
      id: string;
      type: string;
      domain: string;
      pool: string;
      at: string;
      body: string;
    }[];
    const bare = bareBulkInsertPerSecond(join(dir, "bare.db"), bodies);
    report(`baseline  bare better-sqlite3 bulk insert of the same ${events} rows        ${formatRate(bare)} rows/s`);
    started = process.hrtime.bigint();
    for (const row of bodies) createHash("sha256").update(row.body).digest("hex");
    const sha = events / seconds(started);
    report(`baseline  sha256 over the same event bytes                           ${formatRate(sha)} events/s`);
    bodies.length = 0;

    const projection = openSqliteProjection(join(dir, "replayed.db"));
    started = process.hrtime.bigint();
    await replayLog(log, projection);
    const replay = events / seconds(started);
    projection.close();
    report(
      `history   replay ${events} events into SQLite                         ${formatRate(replay)} events/s  (${(replay / bare).toFixed(2)}× the bare bulk insert)`,
    );

    started = process.hrtime.bigint();
    const verified = await verifyLedger(log);
    const verify = events / seconds(started);
    if (!verified.ok) throw new Error(`verify failed on a generated log: ${verified.problem}`);
    report(
      `history   verify ${events} events (chain + replay + invariants)          ${formatRate(verify)} events/s  (${(verify / sha).toFixed(2)}× sha256 of the bytes)`,
    );
    return dir;
  } finally {
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function bareBulkInsertPerSecond(
  path: string,
  rows: readonly {
    partition: number;
    offset: number;
    id: string;
    type: string;
    domain: string;
    pool: string;
    at: string;
    body: string;
  }[],
): number {
  const db = new Database(path);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = OFF");
    db.exec(
      `CREATE TABLE events (partition INTEGER NOT NULL, "offset" INTEGER NOT NULL, id TEXT NOT NULL, type TEXT NOT NULL, domain TEXT NOT NULL, pool TEXT NOT NULL, at TEXT NOT NULL, effective_ms INTEGER NOT NULL, actor TEXT NOT NULL, status TEXT NOT NULL, reason TEXT, body TEXT NOT NULL, PRIMARY KEY (partition, "offset"))`,
    );
    const insert = db.prepare("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    const chunk = db.transaction((slice: typeof rows) => {
      for (const row of slice)
        insert.run(
          row.partition,
          row.offset,
          row.id,
          row.type,
          row.domain,
          row.pool,
          row.at,
          0,
          "{}",
          "accepted",
          null,
          row.body,
        );
    });
    const started = process.hrtime.bigint();
    for (let index = 0; index < rows.length; index += 20_000) chunk(rows.slice(index, index + 20_000));
    return rows.length / seconds(started);
  } finally {
    db.close();
  }
}
