import Database from "better-sqlite3";
import type { LoggedEvent, Outcome } from "../../ledger/core/index.js";
import { LedgerError } from "../../ledger/core/index.js";
import { migrate, migrationsDir } from "../../ledger/log/sqliteMigrator.js";
import { projectionWriter } from "./projectionStatements.js";

export interface ProjectedEvent {
  readonly logged: LoggedEvent;
  readonly outcome: Outcome;
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
export function openSqliteProjection(path: string, options: { readonly?: boolean } = {}) {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  } catch (error) {
    throw new LedgerError("LOG_UNAVAILABLE", `cannot open the projection ${path}: ${(error as Error).message}; check the --data-dir path and its permissions`, { cause: error });
  }
  if (!options.readonly) {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    const { error } = migrate(db, migrationsDir("projection"));
    if (error) {
      db.close();
      throw error;
    }
  }
  db.pragma("busy_timeout = 5000");
  const write = projectionWriter(db);
  const saveCheckpoint = db.prepare(
    "INSERT INTO checkpoints (partition, next_offset, head_hash) VALUES (?, ?, ?) ON CONFLICT(partition) DO UPDATE SET next_offset = excluded.next_offset, head_hash = excluded.head_hash",
  );

  const applyBatch = db.transaction((batch: readonly ProjectedEvent[], checkpoints: readonly Checkpoint[]) => {
    for (const { logged, outcome } of batch) write(logged, outcome);
    for (const checkpoint of checkpoints) saveCheckpoint.run(checkpoint.partition, checkpoint.nextOffset, checkpoint.headHash);
  });

  return {
    db,
    path,
    applyBatch: (batch: readonly ProjectedEvent[], checkpoints: readonly Checkpoint[]): void => applyBatch(batch, checkpoints),
    checkpoints(): Checkpoint[] {
      return (db.prepare("SELECT partition, next_offset AS nextOffset, head_hash AS headHash FROM checkpoints ORDER BY partition").all() as Checkpoint[]);
    },
    close(): void {
      if (db.open) db.close();
    },
  };
}

export type SqliteProjection = ReturnType<typeof openSqliteProjection>;
