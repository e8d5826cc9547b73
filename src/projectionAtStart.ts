import { renameSync, rmSync } from "node:fs";
import type pino from "pino";
import type { EventLog } from "../ledger/log/eventLog.js";
import { checkpointMismatch } from "../projections/checkpointMatch.js";
import { isLedgerError, LedgerError } from "../ledger/core/index.js";
import {
  openSqliteProjection,
  projectionError,
  type SqliteProjection,
} from "../projections/sqlite/sqliteProjection.js";

/**
 * The agent's busy timeout on the projection: a statement blocks the event loop at most this
 * long; the runner waits for a longer lock between event-loop turns.
 */
export const PROJECTION_BUSY_TIMEOUT_MS = 50;

/**
 * Opens the agent's projection and checks it against the log (`checkpointMismatch`). When they
 * disagree, the log is not the one the projection was built from (an older ledger.db restored,
 * a lost tail): the projection is moved aside to `<file>.stale` for the operator and rebuilt
 * from the log, with an error in the agent's log saying so. Never served silently. A projection
 * SQLite finds damaged (quick_check) is moved to `<file>.damaged` and rebuilt the same way.
 *
 * @example const projection = await openCheckedProjection(log, "/var/lib/ipledger/projection.db", logger);
 */
export async function openCheckedProjection(
  log: EventLog,
  path: string,
  logger: pino.Logger,
): Promise<SqliteProjection> {
  let projection: SqliteProjection;
  try {
    projection = openSqliteProjection(path, { busyTimeoutMs: PROJECTION_BUSY_TIMEOUT_MS });
    damage(projection);
  } catch (error) {
    if (!isDamage(error)) throw error;
    // The projection holds nothing the log does not: a damaged one is rebuilt, and kept for a look.
    logger.error(
      { projection: path, movedTo: `${path}.damaged`, err: error },
      "the projection is damaged; rebuilding it from the log",
    );
    return reopenAside(path, "damaged");
  }
  let mismatch: string | undefined;
  try {
    mismatch = await checkpointMismatch(log, projection.checkpoints());
  } catch (error) {
    projection.close();
    throw error;
  }
  if (mismatch === undefined) return projection;
  projection.close();
  logger.error(
    { projection: path, movedTo: `${path}.stale`, mismatch },
    `the projection does not match the log (${mismatch}); rebuilding it from the log. Addresses answered after the log's end are no longer recorded: run ipledger verify and check pods for duplicate addresses`,
  );
  return reopenAside(path, "stale");
}

/** Throws when SQLite's quick_check finds the file damaged (reads every page once, no index cross-check). */
function damage(projection: SqliteProjection): void {
  let verdict: string;
  try {
    verdict = String(projection.db.pragma("quick_check", { simple: true }));
  } catch (error) {
    projection.close();
    throw projectionError(projection.path, error);
  }
  if (verdict === "ok") return;
  projection.close();
  throw new LedgerError(
    "INTEGRITY_VIOLATION",
    `the projection ${projection.path} is damaged (quick_check: ${verdict.slice(0, 200)})`,
    { details: { path: projection.path, sqliteCode: "SQLITE_CORRUPT" } },
  );
}

function isDamage(error: unknown): boolean {
  return isLedgerError(error) && error.code === "INTEGRITY_VIOLATION";
}

function reopenAside(path: string, why: "stale" | "damaged"): SqliteProjection {
  renameSync(path, `${path}.${why}`);
  for (const suffix of ["-wal", "-shm"]) rmSync(`${path}${suffix}`, { force: true });
  return openSqliteProjection(path, { busyTimeoutMs: PROJECTION_BUSY_TIMEOUT_MS });
}
