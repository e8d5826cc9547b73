import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  evolve,
  initialState,
  restoreState,
  snapshotRecords,
  SNAPSHOT_VERSION,
  type LedgerState,
  type LoggedEvent,
  type SnapshotRecord,
} from "../../../../ledger/core/index.js";
import { command } from "./commandArbitraries.js";
import { LedgerWorld, newCoverage } from "./ledgerWorld.js";
import { dumpState, outcomeText } from "./stateChecks.js";

/**
 * A snapshot of the fold's state at any log position, restored and fed the rest of the log,
 * equals a full replay: same state (holdings, reservations, cooldowns, sticky memory, duplicate
 * window, positions) and the same outcome for every event of the tail. Histories come from the
 * same random writers, zombies, races, duplicates and rogue events as the no-two-owners
 * property; the duplicate window is made tiny so that its eviction order matters.
 */
const RECENT_IDS = 6;

function inPartitionOrder(log: readonly LoggedEvent[]): LoggedEvent[] {
  return [...log].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/** Through JSON text, as the snapshot file stores it. */
function roundTrip(state: LedgerState, heads: Map<number, string>): SnapshotRecord[] {
  return [...snapshotRecords(state, heads)].map((record) => JSON.parse(JSON.stringify(record)) as SnapshotRecord);
}

describe("a snapshot plus the tail equals a full replay", () => {
  it("holds at every cut of random histories", () => {
    fc.assert(
      fc.property(
        fc.array(command, { minLength: 1, maxLength: 50, size: "max" }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (commands, fraction) => {
          const world = new LedgerWorld(newCoverage());
          commands.forEach((step) => world.run(step));
          const log = inPartitionOrder(world.storedLog());
          const full = initialState({ recentIdLimit: RECENT_IDS });
          const fullOutcomes = log.map((logged) => outcomeText(evolve(full, logged)));

          // Given a fold stopped at a random cut, when it is snapshotted and restored,
          const cut = Math.floor(fraction * log.length);
          const head = initialState({ recentIdLimit: RECENT_IDS });
          const heads = new Map<number, string>();
          for (const logged of log.slice(0, cut)) {
            evolve(head, logged);
            heads.set(logged.partition, logged.event.hash ?? "");
          }
          const records = roundTrip(head, heads);
          const restored = restoreState(records);
          // then the restored state says the same as the original, to the last record,
          expect(JSON.stringify(roundTrip(restored.state, restored.heads))).toBe(JSON.stringify(records));
          expect(restored.heads).toEqual(heads);
          // and folding the tail on it gives the full replay's outcomes and state.
          const tailOutcomes = log.slice(cut).map((logged) => outcomeText(evolve(restored.state, logged)));
          expect(tailOutcomes).toEqual(fullOutcomes.slice(cut));
          expect(dumpState(restored.state)).toBe(dumpState(full));
          expect(JSON.stringify(roundTrip(restored.state, new Map()))).toBe(JSON.stringify(roundTrip(full, new Map())));
        },
      ),
      { numRuns: 150, seed: 20_261_203 },
    );
  });

  it("refuses a snapshot of another schema version or with records it does not know, rather than guess", () => {
    const state = initialState();
    const [head, ...rest] = [...snapshotRecords(state, new Map())] as [
      Extract<SnapshotRecord, { k: "head" }>,
      ...SnapshotRecord[],
    ];
    expect(() => restoreState([{ ...head, version: SNAPSHOT_VERSION + 1 }, ...rest])).toThrow(/version/);
    expect(() => restoreState([head, { k: "mystery" } as unknown as SnapshotRecord])).toThrow(/unknown record/);
    expect(() => restoreState([{ k: "hold", pool: "nope" } as unknown as SnapshotRecord])).toThrow(/before its head/);
  });
});
