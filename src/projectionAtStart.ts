import { renameSync, rmSync } from "node:fs";
import type pino from "pino";
import type { EventLog } from "../ledger/log/eventLog.js";
import { checkpointMismatch } from "../projections/checkpointMatch.js";
import { openSqliteProjection, type SqliteProjection } from "../projections/sqlite/sqliteProjection.js";

/**
 * The agent's busy timeout on the projection: a statement blocks the event loop at most this
 * long; the runner waits for a longer lock between event-loop turns.
 */
const PROJECTION_BUSY_TIMEOUT_MS = 50;

/**
 * Opens the agent's projection and checks it against the log (`checkpointMismatch`). When they
 * disagree, the log is not the one the projection was built from (an older ledger.db restored,
 * a lost tail): the projection is moved aside to `<file>.stale` for the operator and rebuilt
 * from the log, with an error in the agent's log saying so. Never served silently.
 *
 * @example const projection = await openCheckedProjection(log, "/var/lib/ipledger/projection.db", logger);
 */
export async function openCheckedProjection(log: EventLog, path: string, logger: pino.Logger): Promise<SqliteProjection> {
  const projection = openSqliteProjection(path, { busyTimeoutMs: PROJECTION_BUSY_TIMEOUT_MS });
  let mismatch: string | undefined;
  try {
    mismatch = await checkpointMismatch(log, projection.checkpoints());
  } catch (error) {
    projection.close();
    throw error;
  }
  if (mismatch === undefined) return projection;
  projection.close();
  const stale = `${path}.stale`;
  renameSync(path, stale);
  for (const suffix of ["-wal", "-shm"]) rmSync(`${path}${suffix}`, { force: true });
  logger.error(
    { projection: path, movedTo: stale, mismatch },
    `the projection does not match the log (${mismatch}); rebuilding it from the log. Addresses answered after the log's end are no longer recorded: run ipledger verify and check pods for duplicate addresses`,
  );
  return openSqliteProjection(path, { busyTimeoutMs: PROJECTION_BUSY_TIMEOUT_MS });
}
