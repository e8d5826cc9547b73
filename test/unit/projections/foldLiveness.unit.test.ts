import { describe, expect, it } from "vitest";
import { createStallTracker } from "../../../projections/foldLiveness.js";

/** A tracker on a clock the test moves by hand (no waiting, no timing). */
function trackerAt(stallBoundMs: number) {
  let clock = 1_000_000;
  const tracker = createStallTracker(stallBoundMs, () => clock);
  return { tracker, advance: (ms: number) => (clock += ms) };
}

const gone = { unreachable: new Error("connect ECONNREFUSED 127.0.0.1:1") };

describe("liveness when the log cannot be reached", () => {
  it("given a broker outage shorter than the bound, then the fold stays live and says it is recovering", () => {
    const { tracker, advance } = trackerAt(30_000);
    expect(tracker.check(gone)).toMatchObject({ live: true });
    advance(30_000);
    const liveness = tracker.check(gone);
    expect(liveness.live).toBe(true);
    expect(liveness.reason).toMatch(/^recovering: the log is unreachable \(for 30 s\): connect ECONNREFUSED/);
  });

  it("given the log unreachable for longer than the bound, then liveness fails naming the cause", () => {
    const { tracker, advance } = trackerAt(30_000);
    tracker.check(gone);
    advance(30_001);
    const liveness = tracker.check(gone);
    expect(liveness.live).toBe(false);
    expect(liveness.reason).toMatch(/unreachable for 30 s \(bound 30 s\): connect ECONNREFUSED.*a restart reconnects/);
  });

  it("given the log reachable again before the bound, then the outage clock starts over", () => {
    const { tracker, advance } = trackerAt(30_000);
    tracker.check(gone);
    advance(20_000);
    expect(tracker.check({ behind: false })).toEqual({ live: true });
    tracker.check(gone);
    advance(20_000);
    expect(tracker.check(gone).live).toBe(true);
  });

  it("given a fold that gave up, then it is dead whether or not the log answers", () => {
    const { tracker } = trackerAt(30_000);
    tracker.gaveUp(new Error("damaged"));
    expect(tracker.check(gone)).toEqual({ live: false, reason: "the fold gave up: damaged" });
  });
});
