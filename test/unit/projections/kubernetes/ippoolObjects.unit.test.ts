import { describe, expect, it } from "vitest";
import {
  decideAllocation,
  decideRelease,
  evolve,
  initialState,
  type LedgerState,
  type Owner,
  type UnchainedEvent,
} from "../../../../ledger/core/index.js";
import {
  ippoolObject,
  ippoolObjects,
  LOG_POSITION_ANNOTATION,
  OMITTED_ANNOTATION,
  poolsByName,
} from "../../../../projections/kubernetes/ippoolObjects.js";
import { recordPoolPositions, type PoolPosition } from "../../../../projections/kubernetes/poolPositions.js";
import { allocate, owner, pool, release } from "../../../support/deciderSpec.js";

/** A fold that also keeps the projection's pool positions, with one partition per domain. */
function world() {
  const state: LedgerState = initialState();
  const positions = new Map<string, PoolPosition>();
  const partitions = new Map<string, number>();
  const append = (events: readonly UnchainedEvent[]): void => {
    for (const event of events) {
      const partition = partitions.get(event.domain) ?? partitions.size;
      partitions.set(event.domain, partition);
      const logged = { partition, offset: state.applied.get(partition) ?? 0, event: event as never };
      recordPoolPositions(positions, [{ logged, outcome: evolve(state, logged) }]);
    }
  };
  return {
    state,
    positions,
    add: (
      name: string,
      range: string,
      options: Parameters<typeof pool>[1] & { ip?: string; owner?: Partial<Owner> } = {},
    ) =>
      append(
        decideAllocation(
          allocate(owner(name, options.owner), [pool(range, options)], { requested: options.ip ? [options.ip] : [] }),
          state,
        ).events,
      ),
    del: (name: string) => append(decideRelease(release(owner(name)), state)),
    objects: (namespace = "kube-system") => ippoolObjects(state.pools.values(), positions, namespace),
  };
}

const entry = (name: string, ifname = "net1") => ({ id: `ctr-${name}`, podref: `default/${name}`, ifname });

describe("ippoolObjects: Whereabouts names, network-form ranges and decimal offsets", () => {
  it.each([
    { range: "192.168.2.0/24", ip: "192.168.2.5", name: "192.168.2.0-24", specRange: "192.168.2.0/24", key: "5" },
    { range: "10.10.0.0/16", ip: "10.10.1.2", name: "10.10.0.0-16", specRange: "10.10.0.0/16", key: "258" },
    { range: "10.1.2.77/24", ip: "10.1.2.200", name: "10.1.2.0-24", specRange: "10.1.2.0/24", key: "200" },
    { range: "2001::/116", ip: "2001::a05", name: "2001---116", specRange: "2001::/116", key: "2565" },
    { range: "fd00:10::/120", ip: "fd00:10::fe", name: "fd00-10---120", specRange: "fd00:10::/120", key: "254" },
    {
      range: "10.0.0.0/8",
      ip: "10.0.1.0",
      networkName: "storage",
      name: "storage-10.0.0.0-8",
      specRange: "10.0.0.0/8",
      key: "256",
    },
  ])("$range holding $ip → $name, key $key", ({ range, ip, networkName, name, specRange, key }) => {
    const ledger = world();
    ledger.add("web-0", range, { ip, ...(networkName ? { networkName } : {}) });
    const [object] = ledger.objects();
    expect(object).toEqual({
      apiVersion: "whereabouts.cni.cncf.io/v1alpha1",
      kind: "IPPool",
      metadata: {
        name,
        namespace: "kube-system",
        labels: { "app.kubernetes.io/managed-by": "ipledger" },
        annotations: { [LOG_POSITION_ANNOTATION]: "0:1" }, // PoolDefined at 0, the allocation at 1
      },
      spec: { range: specRange, allocations: { [key]: entry("web-0") } },
    });
  });

  it.each([
    {
      what: "lowest-free allocations",
      steps: ["add a", "add b", "add c"],
      keys: { "1": "a", "2": "b", "3": "c" },
      position: "0:3",
    },
    { what: "a release removes its key", steps: ["add a", "add b", "del a"], keys: { "2": "b" }, position: "0:3" },
    {
      what: "a freed address is reused",
      steps: ["add a", "add b", "del a", "add c"],
      keys: { "1": "c", "2": "b" },
      position: "0:4",
    },
    { what: "an empty pool keeps an empty map", steps: ["add a", "del a"], keys: {}, position: "0:2" },
  ])("$what", ({ steps, keys, position }) => {
    const ledger = world();
    for (const step of steps) {
      const [verb, name] = step.split(" ") as [string, string];
      if (verb === "add") ledger.add(name, "10.20.0.0/24");
      else ledger.del(name);
    }
    const [object] = ledger.objects();
    expect(object?.spec.allocations).toEqual(
      Object.fromEntries(Object.entries(keys).map(([key, name]) => [key, entry(name)])),
    );
    expect(object?.metadata.annotations[LOG_POSITION_ANNOTATION]).toBe(position);
  });

  it('keeps the interface name, and writes a pod without a name as Whereabouts does (podref "ns/name" from empty parts)', () => {
    const ledger = world();
    ledger.add("web-1", "10.30.0.0/24", { owner: { ifName: "net7" } });
    ledger.add("bare", "10.30.0.0/24", { owner: { podNamespace: "", podName: "" } });
    expect(ledger.objects()[0]?.spec.allocations).toEqual({
      "1": entry("web-1", "net7"),
      "2": { id: "ctr-bare", podref: "/", ifname: "net1" },
    });
  });

  it.each([
    { ip: "fd00::8000:0:0:1", omitted: 1, keys: [] as string[] },
    { ip: "fd00::7fff:ffff:ffff:ffff", omitted: 0, keys: ["9223372036854775807"] },
  ])("IPv6 offsets ≥ 2^63 are left out and counted ($ip)", ({ ip, omitted, keys }) => {
    const ledger = world();
    ledger.add("low", "fd00::/64");
    ledger.add("high", "fd00::/64", { ip });
    const [object] = ledger.objects();
    expect(Object.keys(object?.spec.allocations ?? {})).toEqual(["1", ...keys]);
    expect(object?.metadata.annotations[OMITTED_ANNOTATION]).toBe(omitted === 0 ? undefined : String(omitted));
  });

  it("voided events move no position (nothing changed)", () => {
    const ledger = world();
    ledger.add("a", "10.40.0.0/24", { ip: "10.40.0.9" });
    const before = ledger.objects();
    // A rival claim on the same address is voided by the fold.
    const rival = decideAllocation(
      allocate(owner("b"), [pool("10.40.0.0/24")], { requested: ["10.40.0.7"] }),
      ledger.state,
    ).events.map((event) =>
      event.type === "AddressAllocated" ? { ...event, data: { ...event.data, ip: "10.40.0.9" } } : event,
    );
    const state = ledger.state;
    const logged = { partition: 0, offset: state.applied.get(0) ?? 0, event: rival[0] as never };
    expect(evolve(state, logged).status).toBe("voided");
    expect(ledger.objects()).toEqual(before);
  });

  it("merges pools of two domains that share a name, first domain winning a shared offset", () => {
    const ledger = world();
    ledger.add("a", "10.50.0.0/24"); // domain "" (partition 0): .1
    ledger.add("b", "10.50.0.0/24", { overlapping: false }); // domain "pool:10.50.0.0-24" (partition 1): .1 as well
    ledger.add("c", "10.50.0.0/24", { overlapping: false }); // .2 there
    const objects = ledger.objects();
    expect(objects.map((object) => object.metadata.name)).toEqual(["10.50.0.0-24"]);
    expect(objects[0]?.spec.allocations).toEqual({ "1": entry("a"), "2": entry("c") });
    expect(objects[0]?.metadata.annotations[LOG_POSITION_ANNOTATION]).toBe("0:1,1:2");
  });

  it("is pure: the same state gives equal objects, sorted by name and offset", () => {
    const ledger = world();
    for (const name of ["x", "y", "z"]) ledger.add(name, "10.60.0.0/24");
    ledger.add("p", "10.59.0.0/24");
    const first = ledger.objects("ns-a");
    expect(ledger.objects("ns-a")).toEqual(first);
    expect(first.map((object) => object.metadata.name)).toEqual(["10.59.0.0-24", "10.60.0.0-24"]);
    expect(Object.keys(first[1]?.spec.allocations ?? {})).toEqual(["1", "2", "3"]);
    const group = poolsByName(ledger.state.pools.values()).get("10.60.0.0-24") ?? [];
    expect(ippoolObject("10.60.0.0-24", group, ledger.positions, "ns-a")).toEqual(first[1]);
  });
});
