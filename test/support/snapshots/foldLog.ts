import { evolve, initialState, snapshotRecords, type LedgerState } from "../../../ledger/core/index.js";
import type { EventLog } from "../../../ledger/log/eventLog.js";

/** Folds a log in memory up to `upTo` events per partition (all when absent), with its chain heads. */
export async function foldLog(
  log: EventLog,
  upTo?: (end: number) => number,
): Promise<{ state: LedgerState; heads: Map<number, string> }> {
  const state = initialState();
  const heads = new Map<number, string>();
  for (const [partition, end] of [...(await log.endOffsets())].sort(([a], [b]) => a - b)) {
    const stop = upTo ? upTo(end) : end;
    for (let offset = 0; offset < stop;) {
      const batch = await log.read(partition, offset, Math.min(5_000, stop - offset));
      for (const logged of batch) {
        evolve(state, logged);
        heads.set(partition, logged.event.hash ?? "");
      }
      offset += batch.length;
    }
  }
  return { state, heads };
}

/** A state as comparable text: every record a snapshot of it would hold. */
export function stateText(state: LedgerState): string {
  return [...snapshotRecords(state, new Map())].map((record) => JSON.stringify(record)).join("\n");
}
