import { describe, expect, it } from "vitest";
import { attachmentKeyOf, decideGarbageCollection, decideRelease, poolKeyOf, type CollectGarbage, type LedgerState, type Owner, type UnchainedEvent } from "../../../../ledger/core/index.js";
import { actor, allocate, allocated, fold, history, ids, NOW, owner, pool, release } from "../../../support/deciderSpec.js";

// A container runtime knows only its own node's containers: what it asks to release (GC's valid
// list, DEL) must never free an address another node's live pod holds.

const net = pool("10.50.0.0/24");
const onA = owner("web-a", { node: "node-a" });
const onB = owner("web-b", { node: "node-b" });
const imported = owner("legacy", { node: "" });

function gcOn(node: string, valid: readonly Owner[]): CollectGarbage {
  return { kind: "CollectGarbage", now: NOW, actor: { ...actor, node }, eventIds: ids(), node, poolKeys: [poolKeyOf(net.domain, net.pool)], validAttachments: valid.map((who) => attachmentKeyOf(who)) };
}

const releasedIps = (events: readonly UnchainedEvent[]): string[] => events.map((event) => (event.data as { ip: string }).ip);

describe("GC is scoped to the calling node", () => {
  const given = (): LedgerState => fold(history(allocated(allocate(onA, [net])), allocated(allocate(onB, [net])), allocated(allocate(imported, [net]))));

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

describe("DEL from a runtime is scoped to its node", () => {
  // Plain CNI users (cnitool, tests) reuse container ids such as "c1" on every host.
  const twin = owner("twin", { node: "node-b" });
  const state = (): LedgerState => fold(history(allocated(allocate(twin, [net]))));

  it("given node-b holds container ctr-twin, when node-a's runtime deletes ctr-twin, then nothing is released", () => {
    expect(decideRelease(release(twin, { node: "node-a" }), state())).toEqual([]);
  });

  it("given the same, when node-b's runtime deletes it, then it is released", () => {
    expect(releasedIps(decideRelease(release(twin, { node: "node-b" }), state()))).toEqual(["10.50.0.1"]);
  });

  it("releases a holding with no recorded node (imported from Whereabouts) from any node", () => {
    const events = history(allocated(allocate(imported, [net])));
    expect(releasedIps(decideRelease(release(imported, { node: "node-a" }), fold(events)))).toEqual(["10.50.0.1"]);
  });

  it("releases on any node when the command names none (operator release)", () => {
    expect(releasedIps(decideRelease(release(twin), state()))).toEqual(["10.50.0.1"]);
  });
});
