import { setTimeout as sleep } from "node:timers/promises";
import { isSqliteBusy } from "../../ledger/log/sqliteLogErrors.js";

export interface RetryOptions {
  /** How long to keep retrying a busy database before the error is thrown. */
  readonly maxWaitMs: number;
  /** Called before each wait, so a caller can log that the write is held up. */
  readonly onBusy?: (error: unknown, waitedMs: number) => void;
}

/**
 * Runs a synchronous SQLite write, and when another process holds the lock (`SQLITE_BUSY`) retries
 * it after a growing pause (10 ms doubling to 1 s). better-sqlite3 is synchronous: its own busy
 * wait would block the event loop (every request, every probe) for the whole busy timeout, so the
 * connection keeps a short busy timeout and the waiting happens here, between event-loop turns.
 *
 * @example
 *   await retryWhileBusy(() => projection.applyBatch(batch, checkpoints), { maxWaitMs: 60_000 });
 */
export async function retryWhileBusy<T>(write: () => T, options: RetryOptions): Promise<T> {
  const started = Date.now();
  for (let pause = 10; ; pause = Math.min(pause * 2, 1_000)) {
    try {
      return write();
    } catch (error) {
      const waited = Date.now() - started;
      if (!isSqliteBusy(error) || waited >= options.maxWaitMs) throw error;
      options.onBusy?.(error, waited);
      await sleep(pause);
    }
  }
}
