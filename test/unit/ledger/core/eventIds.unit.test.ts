import { describe, expect, it } from "vitest";
import { decideAllocation, decideRelease, evolve } from "../../../../ledger/core/index.js";
import { eventIdOf } from "../../../../ledger/core/eventIds.js";
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

  it("given a UUID request id, then every event id is a UUID: the request id, then its last 48 bits counted up", () => {
    const requestId = "3f2a9c1e-7b7d-4c1a-9e2f-fffffffffffe";
    expect([0, 1, 2].map((index) => eventIdOf(requestId, index))).toEqual([
      requestId,
      "3f2a9c1e-7b7d-4c1a-9e2f-ffffffffffff",
      "3f2a9c1e-7b7d-4c1a-9e2f-000000000000",
    ]);
    const { events } = decideAllocation(allocate(owner("a"), [p], { requestId }), fold([]));
    for (const event of events) expect(event.id).toMatch(/^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/);
  });
});
