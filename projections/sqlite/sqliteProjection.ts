import Database from "better-sqlite3";
import type { LoggedEvent, Outcome } from "../../ledger/core/index.js";
import { LedgerError } from "../../ledger/core/index.js";
import { isSqliteDamaged, sqliteCodeOf } from "../../ledger/log/sqliteLogErrors.js";
import { ensurePrivateFile, fileExists } from "../../ledger/log/fileAccess.js";
import { migrate, migrationsDir } from "../../ledger/log/sqliteMigrator.js";
import { projectionWriter } from "./projectionStatements.js";

export interface ProjectedEvent {
  readonly logged: LoggedEvent;
  readonly outcome: Outcome;
}

export interface ProjectionOptions {
  readonly readonly?: boolean;
  /**
   * How long one statement waits for another connection's lock, blocking the thread
   * (better-sqlite3 is synchronous). The agent keeps it short and retries between event-loop
   * turns (`retryWhileBusy`). Default 5000 ms, for one-shot commands.
   */
  readonly busyTimeoutMs?: number;
}

/** A damaged projection named as such, so `verify` and the agent say which file and what to do. */
export function projectionError(path: string, error: unknown): unknown {
  if (!isSqliteDamaged(error)) return error;
  // A damaged event log read during the same check names its own file: not this one.
  const named = (error as { details?: { path?: unknown } }).details?.path;
  if (typeof named === "string" && named !== path) return error;
  const message = `the projection ${path} is damaged (${sqliteCodeOf(error)}); it holds nothing the log does not: stop the agent, move the file away and start it again (it is rebuilt from the log), or run ipledger replay`;
  return new LedgerError("INTEGRITY_VIOLATION", message, {
    cause: error,
    details: { path, sqliteCode: sqliteCodeOf(error) },
  });
}

export interface Checkpoint {
  readonly partition: number;
  readonly nextOffset: number;
  readonly headHash: string;
}

/**
 * The SQLite projection file. `applyBatch` writes a batch of folded events and the checkpoints
 * they reach in ONE transaction, so a crash at any instant leaves either the whole batch or
 * none of it: the file always equals a replay up to its checkpoints.
 *
 * @example
 *   const projection = openSqliteProjection("projection.db");
 *   projection.applyBatch(projected, [{ partition: 0, nextOffset: 42, headHash }]);
 */
export function openSqliteProjection(path: string, options: ProjectionOptions = {}) {
  let db: Database.Database;
  try {
    if (options.readonly) fileExists(path);
    else ensurePrivateFile(path);
    db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  } catch (error) {
    if (error instanceof LedgerError) throw error;
    throw new LedgerError(
      "LOG_UNAVAILABLE",
      `cannot open the projection ${path}: ${(error as Error).message}; check the --data-dir path and its permissions`,
      { cause: error },
    );
  }
  try {
    if (!options.readonly) {
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      const { error } = migrate(db, migrationsDir("projection"));
      if (error) throw error;
    }
    db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
  } catch (error) {
    db.close();
    throw projectionError(path, error);
  }
  const write = projectionWriter(db);
  const saveCheckpoint = db.prepare(
    "INSERT INTO checkpoints (partition, next_offset, head_hash) VALUES (?, ?, ?) ON CONFLICT(partition) DO UPDATE SET next_offset = excluded.next_offset, head_hash = excluded.head_hash",
  );

  const applyBatch = db.transaction((batch: readonly ProjectedEvent[], checkpoints: readonly Checkpoint[]) => {
    for (const { logged, outcome } of batch) write(logged, outcome);
    for (const checkpoint of checkpoints)
      saveCheckpoint.run(checkpoint.partition, checkpoint.nextOffset, checkpoint.headHash);
  });

  return {
    db,
    path,
    applyBatch: (batch: readonly ProjectedEvent[], checkpoints: readonly Checkpoint[]): void =>
      applyBatch(batch, checkpoints),
    checkpoints(): Checkpoint[] {
      try {
        return db
          .prepare(
            "SELECT partition, next_offset AS nextOffset, head_hash AS headHash FROM checkpoints ORDER BY partition",
          )
          .all() as Checkpoint[];
      } catch (error) {
        throw projectionError(path, error);
      }
    },
    close(): void {
      if (db.open) db.close();
    },
  };
}

export type SqliteProjection = ReturnType<typeof openSqliteProjection>;
