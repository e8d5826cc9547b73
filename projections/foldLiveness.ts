/** What `/healthz` reports about the fold. */
export interface FoldLiveness {
  readonly live: boolean;
  /** Why the fold is not live (or what it is recovering from); absent when all is well. */
  readonly reason?: string;
}

/** Where the log stands as the probe saw it: its lag behind the fold, or unreachable (with why). */
export type LogProbe = { readonly behind: boolean; readonly lag?: number } | { readonly unreachable: unknown };

/**
 * Tells whether the fold is alive: it is dead once it gave up, and stalled when the log has held
 * events the fold has not applied for longer than `stallBoundMs` while the fold made no progress.
 * A fold that is merely busy with a long backlog keeps progressing, so it stays live. A log the
 * probe cannot reach (a broker outage, a tail whose connection is gone) is tolerated for
 * `stallBoundMs` — a restart would not bring a broker back — and is dead after that: a client
 * that has not reconnected by then may never (stale metadata, a wedged consumer), and a fresh
 * process reconnects.
 *
 * @example
 *   const tracker = createStallTracker(30_000);
 *   tracker.progressed();                      // after every applied batch
 *   tracker.check({ behind: true }).live;      // false once stalled for 30 s
 */
export function createStallTracker(stallBoundMs: number, now: () => number = Date.now) {
  let lastProgressAt = now();
  let behindSince: number | undefined;
  let unreachableSince: number | undefined;
  let lastError: unknown;
  let gaveUp: unknown;

  function checkUnreachable(error: unknown): FoldLiveness {
    const since = now();
    unreachableSince ??= since;
    const seconds = Math.round((since - unreachableSince) / 1000);
    if (since - unreachableSince <= stallBoundMs)
      return { live: true, reason: `recovering: the log is unreachable (for ${seconds} s): ${messageOf(error)}` };
    return {
      live: false,
      reason: `the log has been unreachable for ${seconds} s (bound ${Math.round(stallBoundMs / 1000)} s): ${messageOf(error)}; a restart reconnects`,
    };
  }

  return {
    progressed(): void {
      lastProgressAt = now();
      lastError = undefined;
    },
    failed(error: unknown): void {
      lastError = error;
    },
    gaveUp(error: unknown): void {
      gaveUp = error;
    },
    check(position: LogProbe): FoldLiveness {
      if (gaveUp !== undefined) return { live: false, reason: `the fold gave up: ${messageOf(gaveUp)}` };
      if ("unreachable" in position) return checkUnreachable(position.unreachable);
      unreachableSince = undefined;
      if (!position.behind) {
        behindSince = undefined;
        return lastError === undefined ? { live: true } : { live: true, reason: `recovering: ${messageOf(lastError)}` };
      }
      const since = now();
      behindSince ??= since;
      const stalledMs = since - Math.max(behindSince, lastProgressAt);
      if (stalledMs <= stallBoundMs)
        return lastError === undefined ? { live: true } : { live: true, reason: `recovering: ${messageOf(lastError)}` };
      const cause = lastError === undefined ? "" : `; last error: ${messageOf(lastError)}`;
      return {
        live: false,
        reason: `the fold has not advanced for ${Math.round(stalledMs / 1000)} s while the log holds ${position.lag ?? "newer"} events it has not applied${cause}`,
      };
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
