/**
 * One writer at a time through a `coordination.k8s.io/v1` Lease, the way client-go's leader
 * election does it: compare-and-swap on the Lease's resourceVersion, expiry judged on this
 * process's own monotonic clock (never on another machine's `renewTime`), and a leader that
 * gives up writing before anyone else may take over.
 */

/** The Lease fields leader election uses. `holderIdentity` "" means released. */
export interface LeaseRecord {
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  readonly acquireTime: Date;
  readonly renewTime: Date;
  readonly leaseTransitions: number;
}

export interface StoredLease extends LeaseRecord {
  readonly resourceVersion: string;
}

/** The Lease object in the API; `src/kube/leaseStore.ts` implements it with client-node. */
export interface LeaseStore {
  /** The Lease, or `undefined` when it does not exist. */
  get(): Promise<StoredLease | undefined>;
  /** Creates it; throws `LeaseConflict` when it exists. */
  create(record: LeaseRecord): Promise<StoredLease>;
  /** Replaces it if its resourceVersion is still `resourceVersion`; throws `LeaseConflict` otherwise. */
  replace(record: LeaseRecord, resourceVersion: string): Promise<StoredLease>;
}

export class LeaseConflict extends Error {
  override readonly name = "LeaseConflict";
}

export interface LeaseElectorOptions {
  readonly store: LeaseStore;
  readonly identity: string;
  /** How long others wait, after last seeing the Lease change, before taking it. Default 15 s. */
  readonly leaseDurationMs?: number;
  /** The leader stops writing when it has not renewed for this long (< leaseDuration). Default 10 s. */
  readonly renewDeadlineMs?: number;
  /** How often to try to acquire or renew. Default 2 s. */
  readonly retryPeriodMs?: number;
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: () => void;
  readonly onError?: (error: unknown) => void;
  /** Monotonic milliseconds; `performance.now` by default. */
  readonly clock?: () => number;
}

/**
 * Runs the election loop until `stop()`. `isLeader()` is the write gate: true only while the last
 * successful renewal is younger than `renewDeadlineMs`, measured from when that request started,
 * so it turns false before any standby, which waits a full `leaseDurationMs` after it last saw
 * the Lease change, can take over.
 *
 * @example
 *   const elector = createLeaseElector({ store, identity: "node-a", onStartedLeading, onStoppedLeading });
 *   elector.start();
 *   if (elector.isLeader()) await write();
 */
export function createLeaseElector(options: LeaseElectorOptions) {
  const { store, identity } = options;
  const leaseDurationMs = options.leaseDurationMs ?? 15_000;
  const renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
  const retryPeriodMs = options.retryPeriodMs ?? 2_000;
  if (!(renewDeadlineMs < leaseDurationMs))
    throw new Error("the renew deadline must be shorter than the lease duration");
  const clock = options.clock ?? (() => performance.now());
  const durationSeconds = Math.max(1, Math.ceil(leaseDurationMs / 1000));
  let leading = false;
  let validUntil = 0;
  let observed: { resourceVersion: string; at: number } | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let round: Promise<void> = Promise.resolve();

  function stepDown(): void {
    if (!leading) return;
    leading = false;
    options.onStoppedLeading();
  }

  /** One acquire-or-renew attempt; true when this process holds the Lease afterwards. */
  async function attempt(): Promise<boolean> {
    const started = clock();
    const now = new Date();
    const current = await store.get();
    if (!current) {
      await store.create({
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: 0,
      });
      validUntil = started + renewDeadlineMs;
      return true;
    }
    if (observed?.resourceVersion !== current.resourceVersion)
      observed = { resourceVersion: current.resourceVersion, at: clock() };
    const mine = current.holderIdentity === identity;
    const expired = clock() >= observed.at + current.leaseDurationSeconds * 1000;
    if (!mine && current.holderIdentity !== "" && !expired) {
      stepDown(); // someone else holds a live Lease: if we thought we led, we no longer do
      return false;
    }
    const record: LeaseRecord = mine
      ? { ...current, leaseDurationSeconds: durationSeconds, renewTime: now }
      : {
          holderIdentity: identity,
          leaseDurationSeconds: durationSeconds,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: current.leaseTransitions + 1,
        };
    const stored = await store.replace(record, current.resourceVersion);
    observed = { resourceVersion: stored.resourceVersion, at: clock() };
    validUntil = started + renewDeadlineMs;
    return true;
  }

  async function tick(): Promise<void> {
    let held = false;
    let patience: ReturnType<typeof setTimeout> | undefined;
    // client-node sets no request timeout: a hung call must not keep the loop from stepping down.
    const hung = new Promise<never>((_, reject) => {
      patience = setTimeout(
        () => reject(new Error(`Lease request got no answer within ${retryPeriodMs + renewDeadlineMs} ms`)),
        retryPeriodMs + renewDeadlineMs,
      );
    });
    try {
      held = await Promise.race([attempt(), hung]);
    } catch (error) {
      if (!(error instanceof LeaseConflict)) options.onError?.(error);
    } finally {
      clearTimeout(patience);
    }
    if (!running) return;
    if (held && !leading) {
      leading = true;
      options.onStartedLeading();
    } else if (leading && clock() >= validUntil) {
      stepDown();
    }
    timer = setTimeout(() => (round = tick()), nextDelay());
  }

  /** Renew on schedule, but wake in time to step down at the deadline if renewals keep failing. */
  function nextDelay(): number {
    return leading ? Math.max(0, Math.min(retryPeriodMs, validUntil - clock())) : retryPeriodMs;
  }

  return {
    start(): void {
      if (running) return;
      running = true;
      round = tick();
    },
    /** The write gate. */
    isLeader(): boolean {
      return leading && clock() < validUntil;
    },
    /** Stops the loop; a leader steps down and releases the Lease so a standby takes over at once. */
    async stop(): Promise<void> {
      running = false;
      clearTimeout(timer);
      await round;
      const wasLeading = leading;
      stepDown();
      if (!wasLeading) return;
      try {
        const current = await store.get();
        if (current?.holderIdentity === identity) {
          const now = new Date();
          await store.replace(
            { ...current, holderIdentity: "", leaseDurationSeconds: 1, renewTime: now },
            current.resourceVersion,
          );
        }
      } catch (error) {
        if (!(error instanceof LeaseConflict)) options.onError?.(error);
      }
    },
  };
}

export type LeaseElector = ReturnType<typeof createLeaseElector>;
