import Database from "better-sqlite3";
import { LedgerError } from "../../ledger/core/index.js";
import { createQueries, type Queries } from "../../projections/sqlite/queries.js";

/** A read-only view of a projection file, frozen at one instant unless opened to follow it. */
export interface ProjectionSnapshot {
  readonly db: Database.Database;
  readonly queries: Queries;
  /** True when every answer reflects the one commit read first. */
  readonly frozen: boolean;
  close(): void;
}

/**
 * Opens the projection at `path` read-only inside one read transaction: every answer drawn from
 * it, however many queries and pages, reflects the same commit (the basis it reports). WAL lets
 * the agent keep writing meanwhile; the snapshot only delays the WAL's checkpoint while open.
 *
 * With `frozen: false` no read transaction is held: each query sees the newest commit (for
 * `allowlist --watch`, which follows the agent's writes).
 *
 * @example const snapshot = openProjectionSnapshot(join(dataDir, "projection.db")); try { … } finally { snapshot.close() }
 */
export function openProjectionSnapshot(path: string, { frozen = true }: { frozen?: boolean } = {}): ProjectionSnapshot {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new LedgerError(
      "NOT_FOUND",
      `cannot open the projection ${path} (${(error as Error).message}); pass the agent's --data-dir, or --socket to ask a running agent`,
      { cause: error },
    );
  }
  try {
    db.pragma("busy_timeout = 5000");
    const queries = createQueries(db);
    if (frozen) db.exec("BEGIN");
    queries.basis(); // the first read fixes the snapshot, and proves the file is a projection
    return {
      db,
      queries,
      frozen,
      close: () => {
        if (!db.open) return;
        if (db.inTransaction) db.exec("COMMIT");
        db.close();
      },
    };
  } catch (error) {
    db.close();
    if (error instanceof LedgerError) throw error;
    throw new LedgerError(
      "LOG_UNAVAILABLE",
      `cannot read the projection ${path}: ${(error as Error).message}; is it an ipledger projection the agent has migrated?`,
      { cause: error },
    );
  }
}
