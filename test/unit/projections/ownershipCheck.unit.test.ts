import { describe, expect, it } from "vitest";
import { initialState, type LoggedEvent, type Outcome, type Owner } from "../../../ledger/core/index.js";
import { ownershipCheck } from "../../../projections/ownershipCheck.js";
import type { ProjectedEvent } from "../../../projections/sqlite/sqliteProjection.js";

const owner = (containerId: string): Owner => ({
  containerId,
  ifName: "net1",
  podNamespace: "ns",
  podName: containerId,
  podUid: `uid-${containerId}`,
  node: "n1",
});

/** Effects as a (faulty) fold could emit them: the check must not trust the fold. */
function projected(offset: number, effects: Outcome["effects"]): ProjectedEvent {
  return {
    logged: { partition: 0, offset, event: {} as LoggedEvent["event"] },
    outcome: { status: "accepted", effects, effectiveMs: 0 },
  };
}
const opened = (offset: number, ip: string, who: string) =>
  projected(offset, [{ kind: "tenancyOpened", domain: "d", pool: "p", ip, owner: owner(who), requested: false }]);
const closed = (offset: number, ip: string, who: string) =>
  projected(offset, [{ kind: "tenancyClosed", domain: "d", pool: "p", ip, owner: owner(who), reason: "cni-del" }]);

describe("ownershipCheck (one owner per address, on the fold's effects)", () => {
  it("given open, close, open by another owner, then there is no violation", () => {
    const check = ownershipCheck();
    check.folded([opened(0, "10.0.0.1", "a"), closed(1, "10.0.0.1", "a"), opened(2, "10.0.0.1", "b")]);
    check.folded([closed(3, "10.0.0.1", "b")]);
    expect(check.finish(initialState())).toEqual([]);
  });

  it("given a second owner while the first still holds it, then the overlap is named", () => {
    const check = ownershipCheck();
    check.folded([opened(0, "10.0.0.1", "a"), opened(5, "10.0.0.1", "b")]);
    expect(check.finish(initialState())[0]).toEqual({
      rule: "one owner per address",
      detail: '10.0.0.1 in domain "d": held by a/net1 from offset 0 to now and by b/net1 from offset 5',
    });
  });

  it("given a close by someone else, then the interval stays open and the next owner overlaps it", () => {
    const check = ownershipCheck();
    check.folded([opened(0, "10.0.0.1", "a"), closed(1, "10.0.0.1", "b"), opened(2, "10.0.0.1", "b")]);
    expect(check.finish(initialState()).map((violation) => violation.rule)).toEqual(["one owner per address"]);
  });

  it("given intervals left open that the fold's state does not hold, then finish says so", () => {
    const check = ownershipCheck();
    check.folded([opened(0, "10.0.0.1", "a")]);
    expect(check.finish(initialState())).toEqual([
      { rule: "open tenancy without allocation", detail: "1 intervals left open" },
    ]);
  });
});
