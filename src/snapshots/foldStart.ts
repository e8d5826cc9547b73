import type { EventLog } from "../../ledger/log/eventLog.js";
import type { FoldStart } from "../../projections/runner.js";
import type { SqliteProjection } from "../../projections/sqlite/sqliteProjection.js";
import type { SnapshotStore } from "./snapshotStore.js";

/**
 * Where an agent's fold starts: the newest usable snapshot, provided the projection already holds
 * every event before it (otherwise the projection would miss the events the snapshot skips, and
 * an older snapshot or offset 0 is used). Undefined: fold from the start.
 */
export async function chooseFoldStart(
  store: SnapshotStore,
  log: EventLog,
  projection: SqliteProjection | undefined,
  warn: (message: string) => void,
): Promise<(FoldStart & { path: string; events: number }) | undefined> {
  const projected = new Map(
    (projection?.checkpoints() ?? []).map((checkpoint) => [checkpoint.partition, checkpoint.nextOffset]),
  );
  return store.loadNewest(log, warn, (loaded) => {
    if (!projection) return undefined;
    for (const [partition, next] of loaded.state.applied) {
      const reached = projected.get(partition) ?? 0;
      if (reached < next)
        return `the projection reaches offset ${reached} of partition ${partition}, behind the snapshot's ${next}`;
    }
    return undefined;
  });
}
