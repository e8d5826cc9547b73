import { LedgerError } from "../../ledger/core/index.js";
import type { EventLog } from "../../ledger/log/eventLog.js";
import type { ProjectionRunner } from "../../projections/runner.js";

/**
 * Resolves once the fold has passed everything the log holds now (the end offsets read once, so
 * other writers appending meanwhile cannot keep it waiting). Throws NOT_READY after `timeoutMs`.
 *
 * A call that failed after its events may have reached the log (a DEL answered 11 while the fold
 * was stuck) leaves them to be folded later. The next call for the same attachment passes this
 * barrier first, so its answer cannot be undone by the earlier call's events landing after it.
 *
 * @example
 *   await foldPassesLogEnd(log, runner, 5_000); // then decide on runner.state
 */
export async function foldPassesLogEnd(log: EventLog, runner: ProjectionRunner, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const ends = await log.endOffsets();
  for (;;) {
    runner.assertServing();
    const position = runner.position();
    if ([...ends].every(([partition, end]) => (position.get(partition) ?? 0) >= end)) return;
    if (Date.now() > deadline) {
      throw new LedgerError(
        "NOT_READY",
        `an earlier call for this attachment is not folded yet after ${timeoutMs} ms; retry shortly`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Attachments whose last ADD or DEL failed, perhaps after appending: the next call for one decides
 * only once the fold has passed the log's end (see foldPassesLogEnd).
 *
 * @example
 *   const failedBefore = createFailedAttachments(log, runner, 5_000);
 *   await failedBefore.settled(key); // before deciding; failedBefore.mark(key) when the call fails
 */
export function createFailedAttachments(log: EventLog, runner: ProjectionRunner, timeoutMs: number) {
  const unfolded = new Set<string>();
  return {
    /** The call for this attachment failed: its events, if any reached the log, are not folded yet. */
    mark(key: string): void {
      unfolded.add(key);
    },
    /** Waits for the fold to pass the log's end when the last call for this attachment failed. */
    async settled(key: string): Promise<void> {
      if (!unfolded.has(key)) return;
      await foldPassesLogEnd(log, runner, timeoutMs);
      unfolded.delete(key);
    },
  };
}
