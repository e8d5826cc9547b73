/** A clock a test moves by hand, for cooldowns; starts at the wall clock so `who` still finds holders. */
export interface ManualClock {
  readonly now: () => Date;
  advance(ms: number): void;
}

/** @example const clock = manualClock(); clock.advance(31_000); */
export function manualClock(startMs: number = Date.now()): ManualClock {
  let current = startMs;
  return {
    now: () => new Date(current),
    advance(ms: number): void {
      current += ms;
    },
  };
}
