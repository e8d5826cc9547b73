import type { LedgerState, LoggedEvent } from "../ledger/core/index.js";
import type { EndOffsets, EventLog } from "../ledger/log/eventLog.js";
import { foldLog } from "./foldLog.js";
import { beginBulkLoad } from "./sqlite/bulkLoad.js";
import type { Checkpoint, ProjectedEvent, SqliteProjection } from "./sqlite/sqliteProjection.js";

export interface ReplayProgress {
  readonly done: number;
  readonly total: number;
}

/**
 * Folds the log from offset 0 into an EMPTY projection, loaded in bulk (`beginBulkLoad`): the
 * file is complete, checkpoints included, once this resolves. Stops at `upTo` when given, e.g.
 * at another projection's checkpoints to compare the two.
 *
 * @example
 *   await replayLog(log, openSqliteProjection("fresh.db"), { onProgress: ({ done, total }) => bar.update(done, { total }) });
 */
export async function replayLog(
  log: EventLog,
  projection: SqliteProjection,
  options: { upTo?: EndOffsets; onProgress?: (progress: ReplayProgress) => void } = {},
): Promise<{ state: LedgerState; events: number }> {
  const ends = options.upTo ?? (await log.endOffsets());
  const total = [...ends.values()].reduce((sum, end) => sum + end, 0);
  const bulk = beginBulkLoad(projection.db);
  const loader = replayInto(bulk, total, options.onProgress);
  const { state, events } = await foldLog(log, ends, loader);
  bulk.finish(loader.checkpoints());
  return { state, events };
}

/** A pass that loads each folded page into `bulk` and remembers where every partition ended. */
export function replayInto(
  bulk: { apply(page: readonly ProjectedEvent[]): void },
  total: number,
  onProgress?: (progress: ReplayProgress) => void,
) {
  const reached = new Map<number, Checkpoint>();
  let done = 0;
  return {
    folded(page: readonly ProjectedEvent[], partition: number): void {
      bulk.apply(page);
      const last = (page[page.length - 1] as ProjectedEvent).logged as LoggedEvent;
      reached.set(partition, { partition, nextOffset: last.offset + 1, headHash: last.event.hash ?? "" });
      done += page.length;
      onProgress?.({ done, total });
    },
    checkpoints: (): Checkpoint[] => [...reached.values()],
  };
}
