import { describe, expect, it } from "vitest";
import { decideAllocation, decideRelease, evolve } from "../../../../ledger/core/index.js";
import { allocate, fold, history, allocated, owner, pool, release } from "../../../support/deciderSpec.js";

const p = pool("10.43.0.0/24");

describe("event ids are stamped from the request id after deciding", () => {
  it("given a new pool, when an ADD is decided, then its events are `${requestId}/0`, `/1` in order", () => {
    const { events } = decideAllocation(allocate(owner("a"), [p], { requestId: "req-add" }), fold([]));
    expect(events.map((event) => [event.id, event.type])).toEqual([
      ["req-add/0", "PoolDefined"],
      ["req-add/1", "AddressAllocated"],
    ]);
  });

  it("given the same command twice, then the same ids (deterministic), and a second append is a harmless duplicate", () => {
    const command = allocate(owner("a"), [p], { requestId: "req-dup" });
    const first = decideAllocation(command, fold([])).events;
    expect(decideAllocation(command, fold([])).events).toEqual(first);
    const state = fold(first);
    const again = evolve(state, { partition: 0, offset: 99, event: first[1] as never });
    expect(again.status).toBe("duplicate");
  });

  it("given a DEL of a pod holding in two pools, then one id per release, however many pools exist", () => {
    const q = pool("10.44.0.0/24");
    const events = history(allocated(allocate(owner("a"), [p, q])));
    const released = decideRelease(release(owner("a"), { requestId: "req-del" }), fold(events));
    expect(released.map((event) => event.id)).toEqual(["req-del/0", "req-del/1"]);
  });
});
