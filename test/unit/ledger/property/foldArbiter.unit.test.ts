import { describe, expect, it } from "vitest";
import type { UnchainedEvent } from "../../../../ledger/core/index.js";
import { allocate, decideAdd, decideDel, given } from "./givenWhenThen.js";
import { ownerOf, POOLS } from "./poolFixtures.js";

// Hand-picked cases of the property in noTwoOwners.unit.test.ts, readable on their own.
const whole29 = POOLS[1]!.target; // 10.0.0.0/29, window .1-.6
const quarter30 = POOLS[2]!.target; // 10.0.0.4/30, window .5-.6, same domain
const blue29 = POOLS[4]!.target; // 10.0.0.0/29 under network_name "blue"
const c1 = ownerOf(1, 1, "net1");
const c2 = ownerOf(2, 2, "net1");

describe("the fold is the arbiter", () => {
  it("voids a zombie's claim decided on a view from before the address was taken, and the holder keeps it", () => {
    const ledger = given();
    ledger.when(decideAdd(allocate(c1, [whole29], ledger.requestId()))).then(["accepted", "accepted"]);
    // The zombie has folded only the PoolDefined: 10.0.0.1 looks free to it.
    ledger
      .when(decideAdd(allocate(c2, [whole29], ledger.requestId())), { view: 1 })
      .then(["voided: is held by pod ns/web-0 container c1"]);
    expect(ledger.holderOf("", "10.0.0.1")).toBe("c1/net1");
  });

  it("voids the second of two writers that decided on the same view", () => {
    const ledger = given();
    ledger.when(decideAdd(allocate(c1, [quarter30], ledger.requestId()))).then(["accepted", "accepted"]);
    const view = 2;
    ledger.when(decideAdd(allocate(c2, [quarter30], ledger.requestId())), { view }).then(["accepted"]);
    ledger
      .when(decideAdd(allocate(ownerOf(3, 0, "net1"), [quarter30], ledger.requestId())), { view })
      .then(["voided: 10.0.0.6 is held by pod ns/web-1 container c2"]);
  });

  it("shares one domain between overlapping pools: what 10.0.0.4/30 holds, 10.0.0.0/29 neither gives nor accepts", () => {
    const ledger = given();
    ledger.when(decideAdd(allocate(c1, [quarter30], ledger.requestId()))).then(["accepted", "accepted"]);
    ledger.when(decideAdd(allocate(c2, [whole29], ledger.requestId(), ["10.0.0.5"]))).thenRefused("ADDRESS_IN_USE");
    // A writer that skips the check (or decided before c1's claim) is voided by the fold.
    ledger
      .when(decideAdd(allocate(c2, [whole29], ledger.requestId(), ["10.0.0.5"])), { view: 0 })
      .then(["accepted", "voided: 10.0.0.5 is held"]);
    expect(ledger.holderOf("", "10.0.0.5")).toBe("c1/net1");
  });

  it("keeps another network_name apart: 10.0.0.1 is held in both domains at once", () => {
    const ledger = given();
    ledger
      .when(decideAdd(allocate(c1, [whole29, blue29], ledger.requestId())))
      .then(["accepted", "accepted", "accepted", "accepted"]);
    expect([ledger.holderOf("", "10.0.0.1"), ledger.holderOf("blue", "10.0.0.1")]).toEqual(["c1/net1", "c1/net1"]);
  });

  it("treats a re-delivered record as a duplicate, even after the address it claimed was released", () => {
    const ledger = given();
    let claim: readonly UnchainedEvent[] = [];
    ledger
      .when((state) => (claim = decideAdd(allocate(c1, [whole29], ledger.requestId()))(state)))
      .then(["accepted", "accepted"]);
    ledger.when(decideDel(c1, ledger.requestId())).then(["accepted"]);
    ledger.when(() => claim).then(["duplicate", "duplicate"]);
    expect(ledger.holderOf("", "10.0.0.1")).toBeUndefined();
  });

  it("reads zero-padded octets as Whereabouts does: 10.00.0.5 is 10.0.0.5", () => {
    const ledger = given();
    ledger.when(decideAdd(allocate(c1, [whole29], ledger.requestId(), ["10.00.0.5"]))).then(["accepted", "accepted"]);
    expect(ledger.holderOf("", "10.0.0.5")).toBe("c1/net1");
  });
});
