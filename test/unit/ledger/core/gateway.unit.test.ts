import { describe, expect, it } from "vitest";
import { decidePoolDefinitions, needsDefinition } from "../../../../ledger/core/index.js";
import {
  actor,
  allocate,
  allocated,
  fold,
  given,
  history,
  requestId,
  NOW,
  owner,
  pool,
} from "../../../support/deciderSpec.js";

describe("the gateway is never handed out", () => {
  it("given range 10.95.0.0/24 with gateway 10.95.0.1, when a pod is added, then it gets 10.95.0.2", () => {
    given([])
      .when(allocate(owner("a"), [pool("10.95.0.0/24", { gateway: "10.95.0.1" })]))
      .thenAddresses(["10.95.0.2"]);
  });

  it("skips a gateway in the middle of the window and carries on after it", () => {
    const p = pool("10.95.0.0/29", { gateway: "10.95.0.2" });
    const events = history(allocated(allocate(owner("a"), [p])));
    given(events)
      .when(allocate(owner("b"), [p]))
      .thenAddresses(["10.95.0.3"]);
  });

  it("refuses a request for the gateway itself", () => {
    given([])
      .when(allocate(owner("a"), [pool("10.95.0.0/24", { gateway: "10.95.0.1" })], { requested: ["10.95.0.1"] }))
      .thenFails("ADDRESS_EXCLUDED", /10\.95\.0\.1 is the gateway of pool 10\.95\.0\.0-24/);
  });

  it("keeps back the address a bridge takes for itself (implicitGateway) in an IPv6 range with no gateway", () => {
    const v6 = { ...pool("fd00:95::/64"), implicitGateway: "fd00:95::1" };
    given([])
      .when(allocate(owner("a"), [v6]))
      .thenAddresses(["fd00:95::2"]);
  });

  it("reports the pool exhausted when the gateway is its only address", () => {
    given([])
      .when(
        allocate(owner("a"), [pool("10.95.0.0/30", { start: "10.95.0.1", end: "10.95.0.1", gateway: "10.95.0.1" })]),
      )
      .thenFails("POOL_EXHAUSTED");
  });
});

describe("pool definitions ahead of claims", () => {
  const p = pool("10.96.0.0/24");

  it("given an empty ledger, then the pool needs one PoolDefined, once even when named twice", () => {
    const events = decidePoolDefinitions({ now: NOW, actor, requestId: requestId(), pools: [p, p] }, fold([]));
    expect(events.map((event) => [event.type, event.pool])).toEqual([["PoolDefined", "10.96.0.0-24"]]);
  });

  it("given the pool is defined, then nothing is needed; given another exclude, a new definition is", () => {
    const state = fold(decidePoolDefinitions({ now: NOW, actor, requestId: requestId(), pools: [p] }, fold([])));
    expect(needsDefinition(p, state)).toBe(false);
    expect(decidePoolDefinitions({ now: NOW, actor, requestId: requestId(), pools: [p] }, state)).toEqual([]);
    expect(needsDefinition(pool("10.96.0.0/24", { exclude: ["10.96.0.9"] }), state)).toBe(true);
  });
});
