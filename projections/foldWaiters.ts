import type { Outcome } from "../ledger/core/index.js";
import { LedgerError } from "../ledger/core/index.js";
import type { ProjectedEvent } from "./sqlite/sqliteProjection.js";

interface Waiter {
  readonly pending: Set<string>;
  readonly outcomes: Map<string, Outcome>;
  readonly resolve: (outcomes: Map<string, Outcome>) => void;
}

/**
 * The callers waiting for the fold to apply given event ids (an ADD waits for its own claim).
 *
 * @example
 *   const waiters = createWaiters();
 *   const { promise } = waiters.add(["event-id"], 5000);
 *   waiters.settle(foldedBatch);
 */
export function createWaiters() {
  const waiters = new Set<Waiter>();
  return {
    add(ids: readonly string[], timeoutMs: number): { promise: Promise<Map<string, Outcome>>; cancel: () => void } {
      let waiter: Waiter | undefined;
      let timer: NodeJS.Timeout | undefined;
      const promise = new Promise<Map<string, Outcome>>((resolve, reject) => {
        waiter = {
          pending: new Set(ids),
          outcomes: new Map(),
          resolve: (outcomes) => {
            clearTimeout(timer);
            resolve(outcomes);
          },
        };
        if (ids.length === 0) return resolve(new Map());
        waiters.add(waiter);
        timer = setTimeout(() => {
          if (waiter) waiters.delete(waiter);
          reject(
            new LedgerError(
              "LOG_UNAVAILABLE",
              `the log did not deliver the appended events back within ${timeoutMs} ms; the log may be down or the agent's tail stalled`,
            ),
          );
        }, timeoutMs);
      });
      return {
        promise,
        cancel: () => {
          clearTimeout(timer);
          if (waiter) waiters.delete(waiter);
        },
      };
    },
    settle(folded: readonly ProjectedEvent[]): void {
      for (const waiter of waiters) {
        for (const { logged, outcome } of folded) {
          if (waiter.pending.delete(logged.event.id)) waiter.outcomes.set(logged.event.id, outcome);
        }
        if (waiter.pending.size === 0) {
          waiters.delete(waiter);
          waiter.resolve(waiter.outcomes);
        }
      }
    },
  };
}
