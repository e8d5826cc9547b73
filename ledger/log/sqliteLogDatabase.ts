import Database from "better-sqlite3";
import { LedgerError } from "../core/errors.js";
import { ensurePrivateFile } from "./fileAccess.js";
import { migrate, migrationsDir } from "./sqliteMigrator.js";

// Column names "partition" and "offset" are SQL keywords, hence quoted everywhere.

/**
 * Opens the log's database file with the settings its guarantees rest on (WAL,
 * `synchronous=FULL`, a busy timeout) and brings its schema up to date. A new file is created 0600
 * (its -wal and -shm inherit that mode).
 *
 * @example const db = openLogDatabase("ledger.db", 5000);
 */
export function openLogDatabase(path: string, busyTimeoutMs: number): Database.Database {
  let db: Database.Database;
  try {
    if (path !== ":memory:") ensurePrivateFile(path);
    db = new Database(path, { timeout: busyTimeoutMs });
  } catch (error) {
    if (error instanceof LedgerError) throw error;
    // better-sqlite3 reports a missing folder as a TypeError, before SQLite is involved.
    const message = `cannot open the event log ${path}: ${(error as Error).message}; create its folder or fix the path`;
    throw new LedgerError("LOG_UNAVAILABLE", message, { cause: error });
  }
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
    const { error } = migrate(db, migrationsDir("log"));
    if (error) throw error;
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The statements of the log, prepared once per connection. */
export function prepareLogStatements(db: Database.Database) {
  return {
    partitionOf: db.prepare(`SELECT "partition" AS partition FROM partitions WHERE domain = ?`),
    createPartition: db.prepare(
      `INSERT INTO partitions (domain, "partition")
       SELECT ?, COALESCE(MAX("partition") + 1, 0) FROM partitions RETURNING "partition" AS partition`,
    ),
    head: db.prepare(
      `SELECT "offset" AS offset, hash FROM events WHERE "partition" = ? ORDER BY "offset" DESC LIMIT 1`,
    ),
    insert: db.prepare(
      `INSERT INTO events ("partition", "offset", id, type, domain, pool, at, body, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    read: db.prepare(
      `SELECT "offset" AS offset, body FROM events WHERE "partition" = ? AND "offset" >= ? ORDER BY "offset" LIMIT ?`,
    ),
    // A correlated lookup per partition uses the primary key; GROUP BY would scan every event.
    endOffsets: db.prepare(
      `SELECT p."partition" AS partition,
              COALESCE((SELECT e."offset" FROM events e WHERE e."partition" = p."partition"
                        ORDER BY e."offset" DESC LIMIT 1) + 1, 0) AS next
       FROM partitions p ORDER BY p."partition"`,
    ),
  };
}
