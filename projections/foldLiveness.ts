/** What `/healthz` reports about the fold. */
export interface FoldLiveness {
  readonly live: boolean;
  /** Why the fold is not live (or what it is recovering from); absent when all is well. */
  readonly reason?: string;
}

/**
 * Tells whether the fold is alive: it is dead once it gave up, and stalled when the log has held
 * events the fold has not applied for longer than `stallBoundMs` while the fold made no progress.
 * A fold that is merely busy with a long backlog keeps progressing, so it stays live.
 *
 * @example
 *   const tracker = createStallTracker(30_000);
 *   tracker.progressed();                      // after every applied batch
 *   tracker.check({ behind: true }).live;      // false once stalled for 30 s
 */
export function createStallTracker(stallBoundMs: number, now: () => number = Date.now) {
  let lastProgressAt = now();
  let behindSince: number | undefined;
  let lastError: unknown;
  let gaveUp: unknown;

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
    check(position: { behind: boolean; lag?: number }): FoldLiveness {
      if (gaveUp !== undefined) return { live: false, reason: `the fold gave up: ${messageOf(gaveUp)}` };
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
