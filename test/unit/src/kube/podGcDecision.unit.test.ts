import { describe, expect, it } from "vitest";
import { evolve, type Owner } from "../../../../ledger/core/index.js";
import { decidePodReleases, holdingsOf, podReleaseEvents, type LivePod } from "../../../../src/kube/podGcDecision.js";
import { allocate, allocated, fold, history, owner, pool } from "../../../support/deciderSpec.js";

const net = pool("10.7.0.0/24");

/** A ledger where each owner holds one address of 10.7.0.0/24, in order (.1, .2, …). */
function ledgerOf(...owners: Owner[]) {
  return fold(history(...owners.map((who) => allocated(allocate(who, [net])))));
}

const pod = (name: string, uid = `uid-${name}`, namespace = "default"): LivePod => ({ uid, namespace, name });
const everything = new Map([[0, Number.MAX_SAFE_INTEGER]]);

function decide(
  state: ReturnType<typeof ledgerOf>,
  livePods: LivePod[],
  cutoff: ReadonlyMap<number, number> = everything,
) {
  return decidePodReleases({ livePods, holdings: holdingsOf(state), cutoff }).map(
    ({ holding, matchedBy }) => `${holding.ip} ${holding.owner.podName} ${matchedBy}`,
  );
}

describe("decidePodReleases", () => {
  it("releases what a pod that no longer exists held, and keeps what live pods hold", () => {
    const state = ledgerOf(owner("web-0"), owner("web-1"));
    expect(decide(state, [pod("web-1")])).toEqual(["10.7.0.1 web-0 uid"]);
  });

  it("matches by UID: a re-created pod with the same name keeps its new address (Whereabouts #176)", () => {
    const state = ledgerOf(owner("web-0", { podUid: "uid-old", containerId: "c-old" }));
    // The old pod's holding is released even though a pod named web-0 exists again…
    expect(decide(state, [pod("web-0", "uid-new")])).toEqual(["10.7.0.1 web-0 uid"]);
    // …and a holding of the new pod is kept while the new pod exists.
    const renewed = ledgerOf(owner("web-0", { podUid: "uid-new", containerId: "c-new" }));
    expect(decide(renewed, [pod("web-0", "uid-new")])).toEqual([]);
  });

  it("identifies a pod by UID, not by where its name is", () => {
    const state = ledgerOf(owner("web-0", { podNamespace: "a" }));
    expect(decide(state, [pod("web-0", "uid-web-0", "a")])).toEqual([]);
    expect(decide(state, [pod("web-0", "uid-other", "b")])).toEqual(["10.7.0.1 web-0 uid"]);
  });

  it("falls back to namespace/name when no UID was recorded, and only when no pod of that name exists", () => {
    const state = ledgerOf(owner("legacy", { podUid: "" }));
    expect(decide(state, [pod("legacy", "any-uid")])).toEqual([]);
    expect(decide(state, [pod("legacy", "any-uid", "elsewhere")])).toEqual(["10.7.0.1 legacy name"]);
  });

  it("never collects holdings without a pod (plain CNI use)", () => {
    const state = ledgerOf(owner("x", { podUid: "", podName: "", podNamespace: "" }));
    expect(decide(state, [])).toEqual([]);
  });

  it("judges only holdings folded before the cutoff (a pod created during the LIST, Whereabouts #207)", () => {
    const state = ledgerOf(owner("old"), owner("new"));
    const offsets = [...holdingsOf(state)].map((holding) => holding.since.offset).sort();
    const cutoff = new Map([[0, offsets[1] as number]]); // the second allocation was folded after the cutoff
    expect(decide(state, [], cutoff)).toEqual(["10.7.0.1 old uid"]);
    expect(decide(state, [], new Map())).toEqual([]);
  });

  it("holdingsOf narrows to one pod by UID or by name", () => {
    const state = ledgerOf(owner("a"), owner("b"), owner("c", { podUid: "" }));
    const names = (scope: Parameters<typeof holdingsOf>[1]) =>
      [...holdingsOf(state, scope)].map((holding) => holding.owner.podName);
    expect(names({ uid: "uid-a", namespace: "x", name: "y" })).toEqual(["a"]);
    expect(names({ namespace: "default", name: "c" })).toEqual(["c"]);
  });
});

describe("podReleaseEvents", () => {
  it("writes AddressReleased with reason pod-deleted, the holding's owner (with its UID) and a note; the fold accepts it", () => {
    const state = ledgerOf(owner("web-0"), owner("legacy", { podUid: "" }));
    const releases = decidePodReleases({ livePods: [], holdings: holdingsOf(state), cutoff: everything });
    const events = podReleaseEvents(releases, {
      now: "2026-11-20T04:00:00.000Z",
      actor: { node: "n", component: "reconciler" },
      eventIds: ["r1", "r2"],
      deletedPodUid: "uid-deleted",
    });
    expect(
      events.map(
        (event) => event.type === "AddressReleased" && [event.data.reason, event.data.owner.podUid, event.data.note],
      ),
    ).toEqual([
      ["pod-deleted", "uid-web-0", "pod default/web-0 (uid uid-web-0) was deleted: no pod with uid uid-web-0 exists"],
      ["pod-deleted", "", "pod default/legacy (uid uid-deleted) was deleted: no pod named default/legacy exists"],
    ]);
    const offset = state.applied.get(0) ?? 0;
    const outcomes = events.map(
      (event, index) => evolve(state, { partition: 0, offset: offset + index, event: event as never }).status,
    );
    expect(outcomes).toEqual(["accepted", "accepted"]);
    expect([...holdingsOf(state)]).toEqual([]);
  });

  it("asks for one id per release", () => {
    const state = ledgerOf(owner("web-0"));
    const releases = decidePodReleases({ livePods: [], holdings: holdingsOf(state), cutoff: everything });
    expect(() => podReleaseEvents(releases, { now: "t", actor: { node: "n", component: "c" }, eventIds: [] })).toThrow(
      /one event id per release/,
    );
  });
});
