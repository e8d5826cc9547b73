import { evolve, initialState, type LedgerState } from "../ledger/core/index.js";
import type { EndOffsets, EventLog } from "../ledger/log/eventLog.js";
import { beginBulkLoad } from "./sqlite/bulkLoad.js";
import type { Checkpoint, ProjectedEvent, SqliteProjection } from "./sqlite/sqliteProjection.js";

export interface ReplayProgress {
  readonly done: number;
  readonly total: number;
}

/** Events per read and per projection transaction: large enough to amortise, small enough to bound memory. */
const CHUNK = 20_000;

/**
 * Folds the log from offset 0 into an EMPTY projection (loaded in bulk: see `beginBulkLoad`), partition after partition (each domain
 * lives in one partition and the fold of one domain never looks at another, so the order of
 * partitions does not change the result). Stops at `upTo` when given, e.g. at another
 * projection's checkpoints to compare the two.
 *
 * @example
 *   await replayLog(log, openSqliteProjection("fresh.db"), { onProgress: ({ done, total }) => bar.update(done, { total }) });
 */
export async function replayLog(
  log: EventLog,
  projection: SqliteProjection,
  options: { upTo?: EndOffsets; onProgress?: (progress: ReplayProgress) => void } = {},
): Promise<{ state: LedgerState; events: number }> {
  const state = initialState();
  const ends = options.upTo ?? (await log.endOffsets());
  const total = [...ends.values()].reduce((sum, end) => sum + end, 0);
  let done = 0;
  const bulk = beginBulkLoad(projection.db);
  for (const [partition, end] of [...ends].sort(([a], [b]) => a - b)) {
    for (let offset = 0; offset < end;) {
      const batch = await log.read(partition, offset, Math.min(CHUNK, end - offset));
      if (batch.length === 0) break;
      const projected: ProjectedEvent[] = batch.map((logged) => ({ logged, outcome: evolve(state, logged) }));
      const last = batch[batch.length - 1] as (typeof batch)[number];
      const checkpoint: Checkpoint = { partition, nextOffset: last.offset + 1, headHash: last.event.hash ?? "" };
      projection.applyBatch(projected, [checkpoint]);
      offset = last.offset + 1;
      done += batch.length;
      options.onProgress?.({ done, total });
    }
  }
  bulk.finish();
  return { state, events: done };
}
