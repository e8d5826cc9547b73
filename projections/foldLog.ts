import { evolve, initialState, type LedgerState, type LoggedEvent } from "../ledger/core/index.js";
import type { EndOffsets, EventLog } from "../ledger/log/eventLog.js";
import type { ProjectedEvent } from "./sqlite/sqliteProjection.js";

/** Events per read: large enough to amortise a read, small enough to bound memory. */
const CHUNK = 20_000;

/** What a pass over the log does with each page, besides folding it. */
export interface FoldPass<Stop> {
  /** Before a page is folded: a value returned stops the pass there (e.g. a broken chain). */
  inspect?(page: readonly LoggedEvent[], partition: number, offset: number): Stop | undefined;
  /** The log ended early: `offset` is missing though the partition should reach `end`. */
  missing?(partition: number, offset: number, end: number): Stop | undefined;
  /** After a page is folded, with what the fold made of each event. */
  folded(page: readonly ProjectedEvent[], partition: number): void;
}

/**
 * One pass over the log up to `ends`, page by page, partition after partition (each domain lives
 * in one partition and the fold of one domain never looks at another, so the order of partitions
 * does not change the result). Each event is read and parsed once, whatever the pass does with
 * it; memory holds one page plus the fold's state.
 *
 * @example const { state } = await foldLog(log, await log.endOffsets(), { folded: (page) => bulk.apply(page) });
 */
export async function foldLog<Stop>(
  log: Pick<EventLog, "read">,
  ends: EndOffsets,
  pass: FoldPass<Stop>,
): Promise<{ state: LedgerState; events: number; stop?: Stop }> {
  const state = initialState();
  let events = 0;
  for (const [partition, end] of [...ends].sort(([a], [b]) => a - b)) {
    for (let offset = 0; offset < end;) {
      const page = await log.read(partition, offset, Math.min(CHUNK, end - offset));
      const stop = page.length === 0 ? pass.missing?.(partition, offset, end) : pass.inspect?.(page, partition, offset);
      if (stop !== undefined) return { state, events, stop };
      if (page.length === 0) break;
      pass.folded(
        page.map((logged) => ({ logged, outcome: evolve(state, logged) })),
        partition,
      );
      offset = (page[page.length - 1] as LoggedEvent).offset + 1;
      events += page.length;
    }
  }
  return { state, events };
}
