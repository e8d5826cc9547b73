import type { LoggedEvent } from "../core/events.js";
import type { EndOffsets, Tail, TailHandler } from "./eventLog.js";

/** What a tail needs from a log backend: reads, and a signal that new events may exist. */
export interface TailSource {
  endOffsets(): Promise<EndOffsets>;
  read(partition: number, fromOffset: number, limit: number): Promise<LoggedEvent[]>;
  /** Calls `wake` whenever new events may have been appended; returns the unsubscribe. */
  subscribe(wake: () => void): () => void;
}

export interface TailLoopOptions {
  onError?: (error: unknown) => void;
  /** Most events per handler call. */
  batchSize?: number;
  /** Wait before reading again after a read failed, in case no wake-up comes. */
  retryDelayMs?: number;
}

/** Marks an error thrown by the handler, as opposed to one from reading the log. */
class HandlerFailed {
  constructor(readonly cause: unknown) {}
}

/**
 * Runs a tail over `source` with the semantics of `EventLog.tail`: history first, then each new
 * event as soon as `wake` fires; one handler call at a time; per-partition offset order.
 *
 * A read error is reported to `onError` and retried, because the backend may recover (a busy
 * database). A handler error is reported and stops the tail: skipping the batch would corrupt
 * the consumer's fold, so the owner restarts from its checkpoint. Without `onError`, errors are
 * rethrown as uncaught, like an EventEmitter without an `error` listener.
 * Do not await `stop()` inside the handler: it waits for that very call to finish.
 *
 * @example
 *   const tail = startTail({ endOffsets, read, subscribe }, new Map(), (batch) => fold(batch));
 *   await tail.stop();
 */
export function startTail(
  source: TailSource,
  from: EndOffsets,
  handler: TailHandler,
  options: TailLoopOptions = {},
): Tail {
  const cursors = new Map(from);
  const batchSize = options.batchSize ?? 500;
  const report = options.onError ?? throwUncaught;
  let stopped = false;
  let dirty = true; // set by every wake-up, so one arriving mid-pass is never lost
  let waiter: (() => void) | undefined;

  const unsubscribe = source.subscribe(() => {
    dirty = true;
    waiter?.();
  });
  const sleep = (ms?: number) =>
    new Promise<void>((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(() => waiter?.(), ms);
      waiter = () => {
        clearTimeout(timer);
        waiter = undefined;
        resolve();
      };
    });

  // One pass reads at most one batch per partition, so a long backlog does not starve the others.
  async function pass(): Promise<boolean> {
    let delivered = false;
    const ends = [...(await source.endOffsets())].sort(([a], [b]) => a - b);
    for (const [partition, end] of ends) {
      const cursor = cursors.get(partition) ?? 0;
      if (stopped || cursor >= end) continue;
      const batch = await source.read(partition, cursor, batchSize);
      const last = batch.at(-1);
      if (stopped || last === undefined) continue;
      try {
        await handler(batch);
      } catch (error) {
        throw new HandlerFailed(error);
      }
      cursors.set(partition, last.offset + 1);
      delivered = true;
    }
    return delivered;
  }

  async function run(): Promise<void> {
    while (!stopped) {
      dirty = false;
      try {
        if (await pass()) continue;
      } catch (error) {
        if (error instanceof HandlerFailed) {
          stopped = true;
          report(error.cause);
          break;
        }
        report(error);
        if (!stopped && !dirty) await sleep(options.retryDelayMs ?? 1000);
        continue;
      }
      if (!stopped && !dirty) await sleep();
    }
    unsubscribe();
  }

  const done = run();
  return {
    stop() {
      stopped = true;
      waiter?.();
      return done;
    },
  };
}

function throwUncaught(error: unknown): void {
  setImmediate(() => {
    throw error;
  });
}

/**
 * Starts a tail and keeps it in `tails` until it is stopped, so an adapter's `close()` can stop
 * whatever is still running.
 */
export function startTrackedTail(
  tails: Set<Tail>,
  source: TailSource,
  from: EndOffsets,
  handler: TailHandler,
  options?: TailLoopOptions,
): Tail {
  const tail = startTail(source, from, handler, options);
  tails.add(tail);
  return {
    stop() {
      tails.delete(tail);
      return tail.stop();
    },
  };
}
