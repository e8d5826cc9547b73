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
