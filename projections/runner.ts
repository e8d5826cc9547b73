import type { LedgerState, LoggedEvent, Outcome } from "../ledger/core/index.js";
import { evolve, initialState, isLedgerError, LedgerError } from "../ledger/core/index.js";
import type { EndOffsets, EventLog, Tail } from "../ledger/log/eventLog.js";
import { GENESIS_HASH } from "../ledger/log/hashChain.js";
import { isSqliteDamaged } from "../ledger/log/sqliteLogErrors.js";
import { createStallTracker, type FoldLiveness } from "./foldLiveness.js";
import { createWaiters } from "./foldWaiters.js";
import { retryWhileBusy } from "./sqlite/retryingWrite.js";
import type { Checkpoint, ProjectedEvent, SqliteProjection } from "./sqlite/sqliteProjection.js";

/**
 * Where a fold starts when not from offset 0: a state restored from a snapshot and the chain head
 * of each partition at its positions. The projection must already hold everything before them.
 */
export interface FoldStart {
  readonly state: LedgerState;
  readonly heads: ReadonlyMap<number, string>;
  /** Where the hash chain broke before the start, when the start was folded here (a bulk load). */
  readonly chainBreaks?: readonly { partition: number; offset: number }[];
}

export type AppliedListener = (applied: readonly ProjectedEvent[]) => void;

export interface RunnerOptions {
  readonly log: EventLog;
  readonly projection?: SqliteProjection;
  /** Every failure: a log read (retried by the tail) or a projection write (the fold restarts). */
  readonly onError?: (error: unknown) => void;
  /** The fold could not recover (or the log is damaged): the owner should exit non-zero. */
  readonly onFatal?: (error: unknown) => void;
  /** How long a projection write waits for another process's lock, between event-loop turns. Default 60 s. */
  readonly busyWaitMs?: number;
  /** Restarts are given up once the fold has failed without progress for this long. Default 10 min. */
  readonly giveUpAfterMs?: number;
  /**
   * `liveness()` reports a stall once the fold has not advanced for this long while behind, or the
   * log has been unreachable for this long. Default 60 s.
   */
  readonly stallBoundMs?: number;
  /** How long `liveness()` waits for the log's end offsets before it counts the log unreachable. Default 2 s. */
  readonly probeTimeoutMs?: number;
  /** Start from a snapshot's state instead of offset 0; a restart after a failed write refolds from 0. */
  readonly initial?: FoldStart;
}

/**
 * Folds the log into the live in-memory state (the view every decision is made on) and into the
 * SQLite projection. At start it folds the whole log in memory, writing to the projection only
 * what lies past its checkpoints, so a restart after a crash resumes exactly where the last
 * committed batch ended.
 *
 * A failed projection write never wedges the fold: the state was already evolved past what the
 * projection holds, so the runner throws that state away, reloads the projection's checkpoints
 * and folds again from the start of the log (writing only past the checkpoints), with a growing
 * pause between attempts. A busy projection is waited for between event-loop turns. After
 * `giveUpAfterMs` without progress, or on a damaged log, it calls `onFatal` and stops.
 *
 * @example
 *   const runner = createProjectionRunner({ log, projection, onFatal: () => process.exit(3) });
 *   await runner.start();
 *   const outcomes = await runner.waitFor(["event-id"], 5000);
 */
export function createProjectionRunner(deps: RunnerOptions) {
  let state: LedgerState = deps.initial?.state ?? initialState();
  const checkpoints = new Map<number, Checkpoint>();
  const heads = new Map<number, string>(deps.initial?.heads ?? []);
  // next offset folded, written and announced; a snapshot's positions count as both
  const committed = new Map<number, number>(deps.initial?.state.applied ?? []);
  const announced = new Map<number, number>(deps.initial?.state.applied ?? []); // survives restarts: each event is announced once
  const waiters = createWaiters();
  const listeners = new Set<AppliedListener>();
  const chainBreaks: { partition: number; offset: number }[] = [...(deps.initial?.chainBreaks ?? [])];
  const stall = createStallTracker(deps.stallBoundMs ?? 60_000);
  let tail: Tail | undefined;
  let stopped = false;
  let rebuilding = false;
  let fatal: unknown;
  let failingSince: number | undefined;
  let restarts = 0;

  const loadCheckpoints = (): void => {
    checkpoints.clear();
    for (const checkpoint of deps.projection?.checkpoints() ?? []) checkpoints.set(checkpoint.partition, checkpoint);
  };

  function fold(batch: readonly LoggedEvent[]): { folded: ProjectedEvent[]; fresh: ProjectedEvent[] } {
    const folded: ProjectedEvent[] = [];
    const fresh: ProjectedEvent[] = [];
    for (const logged of batch) {
      const expected = heads.get(logged.partition) ?? GENESIS_HASH;
      if (logged.event.prev !== expected && chainBreaks.length < 100)
        chainBreaks.push({ partition: logged.partition, offset: logged.offset });
      heads.set(logged.partition, logged.event.hash ?? "");
      const projected = { logged, outcome: evolve(state, logged) };
      folded.push(projected);
      if (logged.offset >= (checkpoints.get(logged.partition)?.nextOffset ?? 0)) fresh.push(projected);
    }
    return { folded, fresh };
  }

  async function write(fresh: readonly ProjectedEvent[]): Promise<void> {
    const projection = deps.projection;
    if (!projection || fresh.length === 0) return;
    const reached = new Map<number, Checkpoint>();
    for (const { logged } of fresh)
      reached.set(logged.partition, {
        partition: logged.partition,
        nextOffset: logged.offset + 1,
        headHash: logged.event.hash ?? "",
      });
    await retryWhileBusy(() => projection.applyBatch(fresh, [...reached.values()]), {
      maxWaitMs: deps.busyWaitMs ?? 60_000,
      onBusy: (error) => stall.failed(error),
    });
    for (const checkpoint of reached.values()) checkpoints.set(checkpoint.partition, checkpoint);
  }

  async function handle(batch: readonly LoggedEvent[]): Promise<void> {
    const { folded, fresh } = fold(batch);
    try {
      await write(fresh);
    } catch (error) {
      scheduleRestart(error);
      throw error; // stops this tail: the next one starts over from the checkpoints
    }
    const last = batch.at(-1);
    if (last) committed.set(last.partition, last.offset + 1);
    failingSince = undefined;
    restarts = 0;
    stall.progressed();
    if (rebuilding && [...announced].every(([partition, next]) => (committed.get(partition) ?? 0) >= next))
      rebuilding = false;
    const news = folded.filter(({ logged }) => logged.offset >= (announced.get(logged.partition) ?? 0));
    if (last && news.length > 0) announced.set(last.partition, last.offset + 1);
    waiters.settle(news);
    for (const listener of listeners) listener(news);
  }

  // From where the state stands: a snapshot's positions at start, offset 0 after a restart.
  function beginTail(): void {
    tail = deps.log.tail(new Map(state.applied), handle, { onError: onTailError });
  }

  function onTailError(error: unknown): void {
    deps.onError?.(error);
    stall.failed(error);
    // A damaged log fails the same way on every read: say so now instead of retrying for ever.
    if (
      isSqliteDamaged(error) ||
      (deps.log.kind === "sqlite" && isLedgerError(error) && error.code === "INTEGRITY_VIOLATION")
    )
      giveUp(error);
  }

  function giveUp(error: unknown): void {
    if (fatal !== undefined || stopped) return;
    fatal = error;
    stall.gaveUp(error);
    const running = tail;
    tail = undefined;
    void running?.stop().finally(() => deps.onFatal?.(error));
  }

  // Runs after the failed handler returned (a tail's stop() waits for its handler).
  function scheduleRestart(error: unknown): void {
    failingSince ??= Date.now();
    rebuilding = true;
    // A damaged projection fails every write: a restarted agent checks and rebuilds it at start.
    if (isSqliteDamaged(error) || Date.now() - failingSince > (deps.giveUpAfterMs ?? 600_000)) return giveUp(error);
    const pause = Math.min(100 * 2 ** restarts, 5_000);
    restarts += 1;
    setTimeout(() => void restart(), pause).unref();
  }

  async function restart(): Promise<void> {
    await tail?.stop();
    if (stopped || fatal !== undefined) return;
    try {
      loadCheckpoints();
    } catch (error) {
      deps.onError?.(error);
      return scheduleRestart(error);
    }
    state = initialState();
    heads.clear();
    committed.clear();
    chainBreaks.length = 0;
    beginTail();
  }

  // One end-offsets probe at a time, answered within `probeTimeoutMs`: a broker that is gone makes
  // the call hang for the client's own timeout, and /healthz must answer before the kubelet's.
  let probing: Promise<EndOffsets> | undefined;
  async function probeEnds(): Promise<{ ends: EndOffsets } | { unreachable: unknown }> {
    probing ??= deps.log.endOffsets().finally(() => (probing = undefined));
    let timer: NodeJS.Timeout | undefined;
    const timeoutMs = deps.probeTimeoutMs ?? 2_000;
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`the log did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return { ends: await Promise.race([probing, timedOut]) };
    } catch (error) {
      return { unreachable: error };
    } finally {
      clearTimeout(timer);
    }
  }

  loadCheckpoints();

  return {
    /** The live state every decision is made on (replaced when the fold restarts). */
    get state(): LedgerState {
      return state;
    },
    /** Starts tailing from where the state stands (offset 0 without a snapshot). Resolves once the tail is running. */
    async start(): Promise<void> {
      beginTail();
    },
    /** True when the fold has applied everything the log held when asked. */
    async caughtUp(): Promise<boolean> {
      if (rebuilding || fatal !== undefined) return false;
      const ends = await deps.log.endOffsets();
      return [...ends].every(([partition, end]) => (committed.get(partition) ?? 0) >= end);
    },
    /** Resolves once the fold has reached the current end of the log (or rejects after `timeoutMs`, or once the fold gave up). */
    async waitForCatchUp(timeoutMs: number): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!(await this.caughtUp())) {
        if (fatal !== undefined) throw fatal;
        if (Date.now() > deadline)
          throw new LedgerError("NOT_READY", `the projection has not caught up with the log after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    /** Throws NOT_READY while the state is being rebuilt, so no decision is made on a partial view. */
    assertServing(): void {
      if (fatal !== undefined)
        throw new LedgerError(
          "LOG_UNAVAILABLE",
          `the fold stopped: ${(fatal as Error).message ?? String(fatal)}; the agent must be restarted`,
        );
      if (rebuilding)
        throw new LedgerError(
          "NOT_READY",
          "the agent is rebuilding its view of the log after a failed projection write; retry shortly",
        );
    },
    /** Whether the fold is alive: not given up, and not stalled behind the log (see `stallBoundMs`). */
    async liveness(): Promise<FoldLiveness> {
      const probed = await probeEnds();
      if ("unreachable" in probed) return stall.check(probed);
      let lag = 0;
      for (const [partition, end] of probed.ends) lag += Math.max(0, end - (committed.get(partition) ?? 0));
      return stall.check({ behind: lag > 0, lag });
    },
    /**
     * Resolves with the outcome of each event id once the fold has applied it. Register BEFORE
     * appending, so a fast fold cannot slip past the waiter.
     */
    waitFor(ids: readonly string[], timeoutMs: number): { promise: Promise<Map<string, Outcome>>; cancel: () => void } {
      return waiters.add(ids, timeoutMs);
    },
    onApplied(listener: AppliedListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** Where the fold is: the next offset per partition that is folded and written. */
    position(): Map<number, number> {
      return new Map(committed);
    },
    /** The chain head hash of every partition folded so far: a snapshot records it. */
    heads(): Map<number, string> {
      return new Map(heads);
    },
    chainBreaks(): readonly { partition: number; offset: number }[] {
      return chainBreaks;
    },
    async stop(): Promise<void> {
      stopped = true;
      await tail?.stop();
      tail = undefined;
    },
  };
}

export type ProjectionRunner = ReturnType<typeof createProjectionRunner>;
