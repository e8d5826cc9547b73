import { describe, expect, it } from "vitest";
import {
  decideAllocation,
  evolve,
  initialState,
  type LedgerState,
  type Outcome,
  type UnchainedEvent,
} from "../../../../ledger/core/index.js";
import { allocate, allocated, history, owner, pool, release, released } from "../../../support/deciderSpec.js";

function applyAll(events: readonly UnchainedEvent[], state: LedgerState = initialState()): Outcome[] {
  return events.map((event) =>
    evolve(state, { partition: 0, offset: state.applied.get(0) ?? 0, event: event as never }),
  );
}

const p = pool("10.0.0.0/29");

describe("the fold is the arbiter", () => {
  it("voids the second of two writers that decided on the same view", () => {
    const state = initialState();
    const first = decideAllocation(allocate(owner("a"), [p]), state).events;
    const second = decideAllocation(allocate(owner("b"), [p]), state).events; // same stale view
    const outcomes = applyAll([...first, ...second], state);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(["accepted", "accepted", "voided", "voided"]);
    expect(outcomes[3]?.reason).toMatch(/10\.0\.0\.1 is held by pod default\/a/);
    expect(outcomes[2]?.reason).toBe("definition unchanged");
  });

  it("treats a repeated event id as a harmless duplicate", () => {
    const events = history(allocated(allocate(owner("a"), [p])));
    const outcomes = applyAll([...events, ...events]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(["accepted", "accepted", "duplicate", "duplicate"]);
  });

  it("keeps the memory for duplicates bounded", () => {
    const state = initialState({ recentIdLimit: 3 });
    const events = history(...["a", "b", "c", "d", "e"].map((name) => allocated(allocate(owner(name), [p]))));
    applyAll(events, state);
    expect(state.domains.get("")?.recentIds.size).toBe(3);
  });

  it("voids an allocation outside the window, excluded, of an unknown pool, or reserved", () => {
    const narrow = pool("10.0.0.0/29", { exclude: ["10.0.0.3"], start: "10.0.0.2", end: "10.0.0.4" });
    const [defined, claim] = decideAllocation(allocate(owner("a"), [narrow]), initialState()).events as [
      UnchainedEvent,
      UnchainedEvent & { type: "AddressAllocated" },
    ];
    const at = (ip: string, requested = false): UnchainedEvent => ({
      ...claim,
      id: `id-${ip}-${requested}`,
      data: { ...claim.data, ip, requested },
    });
    const unknownPool: UnchainedEvent = { ...claim, id: "unknown", pool: "nope" };
    const reserve: UnchainedEvent = {
      ...defined,
      id: "reserve",
      type: "AddressReserved",
      data: { target: "10.0.0.4", note: "router" },
    };
    const outcomes = applyAll([
      defined,
      at("10.0.0.6"),
      at("10.0.0.3"),
      unknownPool,
      reserve,
      at("10.0.0.4"),
      at("10.0.0.6", true),
    ]);
    expect(outcomes.map((outcome) => [outcome.status, outcome.reason ?? ""])).toEqual([
      ["accepted", ""],
      ["voided", expect.stringMatching(/outside the window/)],
      ["voided", expect.stringMatching(/excluded/)],
      ["voided", expect.stringMatching(/unknown pool nope/)],
      ["accepted", ""],
      ["voided", expect.stringMatching(/reserved \(10\.0\.0\.4: router\)/)],
      ["accepted", ""],
    ]);
  });

  it("makes a release by anyone but the owner a no-op", () => {
    const events = history(allocated(allocate(owner("a"), [p])));
    const state = initialState();
    applyAll(events, state);
    const forged = released(release(owner("a")))(state).map((event) => ({
      ...event,
      data: { ...(event.data as object), owner: owner("b") },
    })) as UnchainedEvent[];
    expect(applyAll(forged, state)[0]?.status).toBe("voided");
    expect(state.domains.get("")?.held.size).toBe(1);
  });

  it("opens and closes tenancies, and adoption closes one and opens the next", () => {
    const state = initialState();
    const adopt = owner("a", { containerId: "ctr-a-2" });
    const outcomes = applyAll(
      history(allocated(allocate(owner("a"), [p])), allocated(allocate(adopt, [p])), released(release(adopt))),
      state,
    );
    expect(outcomes.flatMap((outcome) => outcome.effects.map((effect) => effect.kind))).toEqual([
      "poolDefined",
      "tenancyOpened",
      "tenancyClosed",
      "tenancyOpened",
      "tenancyClosed",
    ]);
  });

  it("never lets effective time go backwards within a domain", () => {
    const events = history(
      allocated(allocate(owner("a"), [p], { now: "2026-11-20T03:00:10.000Z" })),
      allocated(allocate(owner("b"), [p], { now: "2026-11-20T03:00:00.000Z" })),
    );
    const outcomes = applyAll(events);
    expect(outcomes[2]?.effectiveMs).toBe(Date.parse("2026-11-20T03:00:10.000Z"));
  });
});
