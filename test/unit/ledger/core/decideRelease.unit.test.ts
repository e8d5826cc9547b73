import { describe, expect, it } from "vitest";
import {
  attachmentKeyOf,
  decideGarbageCollection,
  decideRelease,
  poolKeyOf,
  type CollectGarbage,
  type LedgerState,
  type Owner,
  type UnchainedEvent,
} from "../../../../ledger/core/index.js";
import {
  actor,
  allocate,
  allocated,
  fold,
  history,
  requestId,
  NOW,
  owner,
  pool,
  release,
} from "../../../support/deciderSpec.js";

// A container runtime knows only its own node's containers: what it asks to release (GC's valid
// list, DEL) must never free an address another node's live pod holds.

const net = pool("10.50.0.0/24");
const onA = owner("web-a", { node: "node-a" });
const onB = owner("web-b", { node: "node-b" });
const imported = owner("legacy", { node: "" });

function gcOn(node: string, valid: readonly Owner[]): CollectGarbage {
  return {
    kind: "CollectGarbage",
    now: NOW,
    actor: { ...actor, node },
    requestId: requestId(),
    node,
    poolKeys: [poolKeyOf(net.domain, net.pool)],
    validAttachments: valid.map((who) => attachmentKeyOf(who)),
  };
}

const releasedIps = (events: readonly UnchainedEvent[]): string[] =>
  events.map((event) => (event.data as { ip: string }).ip);

describe("GC is scoped to the calling node", () => {
  const given = (): LedgerState =>
    fold(
      history(allocated(allocate(onA, [net])), allocated(allocate(onB, [net])), allocated(allocate(imported, [net]))),
    );

  it("given holdings on node-a, node-b and an import, when node-a collects with an empty list, then only node-a's address is released", () => {
    const events = decideGarbageCollection(gcOn("node-a", []), given());
    expect(releasedIps(events)).toEqual(["10.50.0.1"]);
    expect(events.map((event) => (event.data as { owner: Owner }).owner.node)).toEqual(["node-a"]);
  });

  it("given node-a lists its pod as valid, when it collects, then nothing is released (node-b's pod is not in the list and still stays)", () => {
    expect(decideGarbageCollection(gcOn("node-a", [onA]), given())).toEqual([]);
  });

  it("given node-b collects with an empty list, then only node-b's address goes", () => {
    expect(releasedIps(decideGarbageCollection(gcOn("node-b", []), given()))).toEqual(["10.50.0.2"]);
  });
});

describe("DEL names its container, so it is not scoped to a node", () => {
  it("given node-b holds container ctr-twin, when a DEL for ctr-twin arrives, then it is released (container ids are unique per cluster)", () => {
    const twin = owner("twin", { node: "node-b" });
    expect(releasedIps(decideRelease(release(twin), fold(history(allocated(allocate(twin, [net]))))))).toEqual([
      "10.50.0.1",
    ]);
  });
});
