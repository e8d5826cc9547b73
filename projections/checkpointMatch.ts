import type { EventLog } from "../ledger/log/eventLog.js";
import type { Checkpoint } from "./sqlite/sqliteProjection.js";

/**
 * Compares each checkpoint of a projection with the log: the event just before the checkpoint
 * must exist and carry the recorded head hash. A mismatch means the log is not the one the
 * projection was built from (an older backup restored, a tail lost, another log): the projection
 * then describes events the log no longer holds. Returns what differs, or undefined.
 *
 * @example
 *   const mismatch = await checkpointMismatch(log, projection.checkpoints());
 *   if (mismatch) rebuild(mismatch);
 */
export async function checkpointMismatch(
  log: EventLog,
  checkpoints: readonly Checkpoint[],
): Promise<string | undefined> {
  const ends = await log.endOffsets();
  for (const { partition, nextOffset, headHash } of checkpoints) {
    if (nextOffset === 0) continue;
    const end = ends.get(partition) ?? 0;
    if (end < nextOffset)
      return `partition ${partition} of the log ends at offset ${end}, but the projection was built up to offset ${nextOffset}: the log lost its tail (an older copy restored?)`;
    const [event] = await log.read(partition, nextOffset - 1, 1);
    if (event?.event.hash !== headHash)
      return `event ${partition}/${nextOffset - 1} of the log has hash ${event?.event.hash ?? "none"}, but the projection recorded ${headHash}: the log is not the one the projection was built from`;
  }
  return undefined;
}
