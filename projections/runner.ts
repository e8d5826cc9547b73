import type { LedgerState, LoggedEvent, Outcome } from "../ledger/core/index.js";
import { evolve, initialState, LedgerError } from "../ledger/core/index.js";
import type { EventLog, Tail } from "../ledger/log/eventLog.js";
import { GENESIS_HASH } from "../ledger/log/hashChain.js";
import type { Checkpoint, ProjectedEvent, SqliteProjection } from "./sqlite/sqliteProjection.js";

/**
 * Where a fold starts when not from offset 0: a state restored from a snapshot and the chain head
 * of each partition at its positions. The projection must already hold everything before them.
 */
export interface FoldStart {
  readonly state: LedgerState;
  readonly heads: ReadonlyMap<number, string>;
}

export type AppliedListener = (applied: readonly ProjectedEvent[]) => void;

interface Waiter {
  readonly pending: Set<string>;
  readonly outcomes: Map<string, Outcome>;
  readonly resolve: (outcomes: Map<string, Outcome>) => void;
}

/**
 * Folds the log into the live in-memory state (the view every decision is made on) and into the
 * SQLite projection. At start it folds the whole log in memory, writing to the projection only
 * what lies past its checkpoints, so a restart after a crash resumes exactly where the last
 * committed batch ended.
 *
 * @example
 *   const runner = createProjectionRunner({ log, projection });
 *   await runner.start();
 *   const outcomes = await runner.waitFor(["event-id"], 5000);
 */
export function createProjectionRunner(deps: { log: EventLog; projection?: SqliteProjection; onError?: (error: unknown) => void; initial?: FoldStart }) {
  const state: LedgerState = deps.initial?.state ?? initialState();
  const checkpoints = new Map<number, Checkpoint>();
  const heads = new Map<number, string>(deps.initial?.heads ?? []);
  const waiters = new Set<Waiter>();
  const listeners = new Set<AppliedListener>();
  const chainBreaks: { partition: number; offset: number }[] = [];
  let tail: Tail | undefined;

  for (const checkpoint of deps.projection?.checkpoints() ?? []) checkpoints.set(checkpoint.partition, checkpoint);

  function handle(batch: readonly LoggedEvent[]): void {
    const folded: ProjectedEvent[] = [];
    const fresh: ProjectedEvent[] = [];
    for (const logged of batch) {
      const expected = heads.get(logged.partition) ?? GENESIS_HASH;
      if (logged.event.prev !== expected && chainBreaks.length < 100) chainBreaks.push({ partition: logged.partition, offset: logged.offset });
      heads.set(logged.partition, logged.event.hash ?? "");
      const outcome = evolve(state, logged);
      const projected = { logged, outcome };
      folded.push(projected);
      if (logged.offset >= (checkpoints.get(logged.partition)?.nextOffset ?? 0)) fresh.push(projected);
    }
    if (deps.projection && fresh.length > 0) {
      const reached = new Map<number, Checkpoint>();
      for (const { logged } of fresh) {
        reached.set(logged.partition, { partition: logged.partition, nextOffset: logged.offset + 1, headHash: logged.event.hash ?? "" });
      }
      deps.projection.applyBatch(fresh, [...reached.values()]);
      for (const checkpoint of reached.values()) checkpoints.set(checkpoint.partition, checkpoint);
    }
    notify(folded);
  }

  function notify(folded: readonly ProjectedEvent[]): void {
    for (const waiter of waiters) {
      for (const { logged, outcome } of folded) {
        if (waiter.pending.delete(logged.event.id)) waiter.outcomes.set(logged.event.id, outcome);
      }
      if (waiter.pending.size === 0) {
        waiters.delete(waiter);
        waiter.resolve(waiter.outcomes);
      }
    }
    for (const listener of listeners) listener(folded);
  }

  return {
    state,
    /** Starts tailing from where the state stands (offset 0 without a snapshot). Resolves once the tail is running. */
    async start(): Promise<void> {
      tail = deps.log.tail(new Map(state.applied), handle, { onError: (error) => deps.onError?.(error) });
    },
    /** True when the fold has applied everything the log held when asked. */
    async caughtUp(): Promise<boolean> {
      const ends = await deps.log.endOffsets();
      return [...ends].every(([partition, end]) => (state.applied.get(partition) ?? 0) >= end);
    },
    /** Resolves once the fold has reached the current end of the log (or rejects after `timeoutMs`). */
    async waitForCatchUp(timeoutMs: number): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!(await this.caughtUp())) {
        if (Date.now() > deadline) throw new LedgerError("NOT_READY", `the projection has not caught up with the log after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    /**
     * Resolves with the outcome of each event id once the fold has applied it. Register BEFORE
     * appending, so a fast fold cannot slip past the waiter.
     */
    waitFor(ids: readonly string[], timeoutMs: number): { promise: Promise<Map<string, Outcome>>; cancel: () => void } {
      let waiter: Waiter | undefined;
      let timer: NodeJS.Timeout | undefined;
      const promise = new Promise<Map<string, Outcome>>((resolve, reject) => {
        waiter = { pending: new Set(ids), outcomes: new Map(), resolve: (outcomes) => { clearTimeout(timer); resolve(outcomes); } };
        if (ids.length === 0) return resolve(new Map());
        waiters.add(waiter);
        timer = setTimeout(() => {
          if (waiter) waiters.delete(waiter);
          reject(new LedgerError("LOG_UNAVAILABLE", `the log did not deliver the appended events back within ${timeoutMs} ms; the log may be down or the agent's tail stalled`));
        }, timeoutMs);
      });
      return { promise, cancel: () => { clearTimeout(timer); if (waiter) waiters.delete(waiter); } };
    },
    onApplied(listener: AppliedListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** Where the fold is: the next offset per partition. */
    position(): Map<number, number> {
      return new Map(state.applied);
    },
    /** The chain head hash of every partition folded so far: a snapshot records it. */
    heads(): Map<number, string> {
      return new Map(heads);
    },
    chainBreaks(): readonly { partition: number; offset: number }[] {
      return chainBreaks;
    },
    async stop(): Promise<void> {
      await tail?.stop();
      tail = undefined;
    },
  };
}

export type ProjectionRunner = ReturnType<typeof createProjectionRunner>;
