import type { LedgerEvent, Outcome, UnchainedEvent } from "../../ledger/core/index.js";
import { LedgerError } from "../../ledger/core/index.js";
import type { EventLog, NewEvent } from "../../ledger/log/eventLog.js";
import type { ProjectionRunner } from "../../projections/runner.js";

/**
 * Appends events (grouped by domain, one append per partition) and waits until the fold has
 * applied each of them, returning every event's outcome. The waiter is registered before the
 * append so that a fast fold cannot slip past it.
 */
export async function appendAndWait(
  log: EventLog,
  runner: ProjectionRunner,
  events: readonly UnchainedEvent[],
  timeoutMs: number,
): Promise<Map<string, Outcome>> {
  if (events.length === 0) return new Map();
  runner.assertServing();
  const waiter = runner.waitFor(
    events.map((event) => event.id),
    timeoutMs,
  );
  // Observed at once: its deadline can pass while the append below is still pending (a slow or
  // unreachable Kafka broker), and an unobserved rejection would crash the agent. The caller
  // still receives it from the `return` below.
  waiter.promise.catch(() => undefined);
  const byDomain = new Map<string, NewEvent[]>();
  for (const event of events) {
    const group = byDomain.get(event.domain) ?? [];
    group.push(event as NewEvent);
    byDomain.set(event.domain, group);
  }
  try {
    await withTimeout(
      Promise.all([...byDomain].map(([domain, group]) => log.append(domain, group))),
      timeoutMs,
      `the ${log.kind} log did not accept the append within ${timeoutMs} ms`,
    );
  } catch (error) {
    waiter.cancel();
    if (error instanceof LedgerError) throw error;
    throw new LedgerError(
      "LOG_UNAVAILABLE",
      `cannot append to the ${log.kind} log: ${(error as Error).message}; check that the log is reachable, then retry`,
      { cause: error },
    );
  }
  return waiter.promise;
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new LedgerError("LOG_UNAVAILABLE", `${message}; check that the log is reachable, then retry`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export type { LedgerEvent };
