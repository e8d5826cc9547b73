import type { Outcome, UnchainedEvent } from "../../ledger/core/index.js";
import type { ProjectionRunner } from "../../projections/runner.js";

/** How long a claim whose ADD failed is watched for: past it, the log never delivered it. */
const SETTLE_TIMEOUT_MS = 10 * 60_000;

/** A claim appended by an ADD that then failed (the fold did not answer in time). */
export interface UnsettledClaim {
  readonly events: readonly UnchainedEvent[];
  readonly outcomes: Promise<Map<string, Outcome>>;
}

/**
 * Claims whose ADD was answered with an error must not leak: once the fold applies them, each
 * accepted one is released (reason `rollback`) unless a later ADD of the same container and
 * interface succeeded meanwhile, which answered with that very address (adopted by the retry).
 *
 * @example
 *   const claims = createUnsettledClaims(runner);
 *   const watch = claims.watch(events);     // before the append
 *   claims.settleLater(key, watch, release, (run) => locks.run(key, run)); // the ADD failed
 *   claims.answered(key);                    // an ADD of `key` succeeded
 */
export function createUnsettledClaims(runner: ProjectionRunner, onFailed: (error: unknown) => void = () => undefined) {
  let serial = 0;
  const pending = new Map<string, number>(); // attachment → claims being settled
  const answeredAt = new Map<string, number>(); // attachment → serial of its last successful ADD

  return {
    /** Starts watching `events` (register before appending); cancel it when the ADD succeeds. */
    watch(events: readonly UnchainedEvent[]): UnsettledClaim & { cancel: () => void } {
      const claims = events.filter((event) => event.type === "AddressAllocated");
      const waiter = runner.waitFor(
        claims.map((event) => event.id),
        SETTLE_TIMEOUT_MS,
      );
      waiter.promise.catch(() => undefined);
      return { events: claims, outcomes: waiter.promise, cancel: waiter.cancel };
    },
    answered(key: string): void {
      serial += 1;
      if (pending.has(key)) answeredAt.set(key, serial);
    },
    /** Once the fold applied `claim`, calls `release` with its accepted addresses unless adopted. */
    settleLater(
      key: string,
      claim: UnsettledClaim,
      release: (ips: string[]) => Promise<void>,
      underLock: (run: () => Promise<void>) => Promise<void>,
    ): void {
      if (claim.events.length === 0) return;
      const failedAt = (serial += 1);
      pending.set(key, (pending.get(key) ?? 0) + 1);
      const settle = async (): Promise<void> => {
        const outcomes = await claim.outcomes;
        await underLock(async () => {
          if ((answeredAt.get(key) ?? 0) > failedAt) return;
          const accepted = claim.events.filter((event) => outcomes.get(event.id)?.status === "accepted");
          await release(accepted.map((event) => (event.type === "AddressAllocated" ? event.data.ip : "")));
        });
      };
      void settle()
        .catch((error: unknown) => {
          // Only the timeout of a claim the log never delivered is expected here.
          if (!(error instanceof Error && /did not deliver/.test(error.message))) onFailed(error);
        })
        .finally(() => {
          const left = (pending.get(key) ?? 1) - 1;
          if (left > 0) return void pending.set(key, left);
          pending.delete(key);
          answeredAt.delete(key);
        });
    },
  };
}
