import { describe, expect, it } from "vitest";
import { decideAllocation, initialState, parseAddress, type LedgerState } from "../../../../ledger/core/index.js";
import { planImport, type ImportInput } from "../../../../src/kube/importWhereaboutsPlan.js";
import { reservationNameOf } from "../../../../src/kube/importWhereaboutsPools.js";
import type { SourcePool, SourceReservation } from "../../../../src/kube/importWhereaboutsSource.js";
import { NETWORK_STATUS_ANNOTATION, type PodSummary } from "../../../../src/kube/reconcilePodSource.js";
import { allocate, allocated, fold, history, owner, pool } from "../../../support/deciderSpec.js";

const ns = "kube-system";
const ippool = (name: string, range: string, allocations: Record<string, unknown>): SourcePool => ({
  namespace: ns,
  name,
  range,
  allocations,
});
const orip = (name: string, podref: string): SourceReservation => ({ namespace: ns, name, podref });
/** An allocation entry; `ifname: null` leaves it out, as Whereabouts before 2024 did. */
const entry = (id: string, podref: string, ifname: string | null = "net1") => ({
  id,
  podref,
  ...(ifname ? { ifname } : {}),
});

let counter = 0;
function plan(pools: SourcePool[], more: Partial<ImportInput> = {}) {
  return planImport({
    pools,
    reservations: [],
    pods: [],
    state: initialState(),
    defaultIfName: "net1",
    now: "2026-11-20T05:00:00.000Z",
    actor: { node: "n", component: "import-whereabouts" },
    newId: () => `imp-${++counter}`,
    ...more,
  });
}

const rowsOf = (result: ReturnType<typeof plan>) =>
  result.rows.map((row) => `${row.ippool} ${row.ip} ${row.pod} ${row.ifName} ${row.status}`);
const kindsOf = (result: ReturnType<typeof plan>) =>
  result.conflicts.map((conflict) => `${conflict.kind} ${conflict.source} ${conflict.ip ?? ""}`.trim());

describe("planImport", () => {
  it("turns decimal offsets into addresses and defines each pool over its full window", () => {
    const result = plan([
      ippool("10.10.0.0-16", "10.10.0.0/16", { "258": entry("c1", "default/a"), "5": entry("c2", "default/b") }),
      ippool("fd00-10---120", "fd00:10::/120", { "20": entry("c3", "default/c") }),
      ippool("storage-192.168.2.0-24", "192.168.2.0/24", { "1": entry("c4", "db/d", "net2") }),
    ]);
    expect(rowsOf(result)).toEqual([
      "kube-system/10.10.0.0-16 10.10.0.5 default/b net1 imported",
      "kube-system/10.10.0.0-16 10.10.1.2 default/a net1 imported",
      "kube-system/fd00-10---120 fd00:10::14 default/c net1 imported",
      "kube-system/storage-192.168.2.0-24 192.168.2.1 db/d net2 imported",
    ]);
    expect(result.definedPools).toEqual(["10.10.0.0-16", "fd00-10---120", "storage-192.168.2.0-24"]);
    const defined = result.events.filter((event) => event.type === "PoolDefined");
    expect(
      defined.map((event) => [
        event.domain,
        event.type === "PoolDefined" && [event.data.range, event.data.start, event.data.end, event.data.networkName],
      ]),
    ).toEqual([
      ["", ["10.10.0.0/16", "10.10.0.1", "10.10.255.254", ""]],
      ["", ["fd00:10::/120", "fd00:10::1", "fd00:10::fe", ""]],
      ["storage", ["192.168.2.0/24", "192.168.2.1", "192.168.2.254", "storage"]],
    ]);
    const first = result.events.find((event) => event.type === "AddressAllocated");
    expect(first?.type === "AddressAllocated" && first.data).toMatchObject({
      ip: "10.10.0.5",
      requested: false,
      source: "import",
      owner: { containerId: "c2", podNamespace: "default", podName: "b", podUid: "" },
    });
    expect(result.conflicts).toEqual([]);
  });

  it("is idempotent: once its events are folded, a second plan finds everything present and plans nothing", () => {
    const pools = [
      ippool("10.1.0.0-24", "10.1.0.0/24", { "1": entry("c1", "default/a"), "2": entry("c2", "default/b") }),
    ];
    const first = plan(pools);
    const state = fold(first.events);
    const second = plan(pools, { state });
    expect(second.events).toEqual([]);
    expect(second.rows.map((row) => row.status)).toEqual(["present", "present"]);
    expect(second.conflicts).toEqual([]);
    // A new sandbox of pod a adopts its address; the IPPool still names the old container: still present.
    const adoption = decideAllocation(
      allocate(owner("a", { containerId: "c1-new", podUid: "" }), [pool("10.1.0.0/24")]),
      state,
    );
    expect(adoption.events.map((event) => event.type)).toEqual(["AllocationAdopted"]);
    const third = plan(pools, { state: fold(adoption.events, state) });
    expect([third.events, third.rows.map((row) => row.status)]).toEqual([[], ["present", "present"]]);
  });

  it("keeps one holder per address in a network: the ORIP breaks the tie, the other is a duplicate-ip conflict", () => {
    const result = plan(
      [
        ippool("10.5.0.0-24", "10.5.0.0/24", { "3": entry("ca", "default/a") }),
        ippool("10.5.0.0-25", "10.5.0.0/25", { "3": entry("cb", "default/b") }),
      ],
      { reservations: [orip("10.5.0.3", "default/b")] },
    );
    expect(rowsOf(result)).toEqual([
      "kube-system/10.5.0.0-24 10.5.0.3 default/a net1 conflict",
      "kube-system/10.5.0.0-25 10.5.0.3 default/b net1 imported",
    ]);
    expect(kindsOf(result)).toEqual(["duplicate-ip kube-system/10.5.0.0-24 10.5.0.3"]);
  });

  it("reports an ORIP that names another pod, and ORIPs no allocation explains", () => {
    const result = plan([ippool("10.6.0.0-24", "10.6.0.0/24", { "4": entry("c1", "default/a") })], {
      reservations: [orip("10.6.0.4", "default/z"), orip("10.6.0.9", "default/gone")],
    });
    expect(rowsOf(result)).toEqual(["kube-system/10.6.0.0-24 10.6.0.4 default/a net1 imported"]);
    expect(kindsOf(result)).toEqual([
      "orip-mismatch kube-system/10.6.0.4 10.6.0.4",
      "orip-orphan kube-system/10.6.0.9",
    ]);
  });

  it("reports what it cannot read instead of guessing", () => {
    const result = plan([
      ippool("not-a-pool", "10.8.0.0/24", {}),
      ippool("10.9.0.0-24", "banana", {}),
      ippool("10.2.0.0-24", "10.2.0.0/24", {
        x: entry("c", "default/a"),
        "300": entry("c", "default/a"),
        "7": { podref: "default/a" },
        "8": entry("c8", "no-slash"),
      }),
    ]);
    expect(result.rows).toEqual([]);
    expect(result.conflicts.map((conflict) => conflict.detail)).toEqual([
      'allocation "7" has no id (container ID)',
      'allocation "8" podref "no-slash" is not "namespace/name"',
      'allocation "x" key "x" is not a decimal offset',
      'allocation "300" offset 300 lies outside 10.2.0.0/24',
      'spec.range "banana" is not a CIDR',
      'the name is neither "10.8.0.0-24" nor "<network_name>-10.8.0.0-24" (node-slice pools and renamed pools are not imported)',
    ]);
  });

  it("takes interface, UID and node from network-status when the pod carries the address; defaults otherwise", () => {
    const pods: PodSummary[] = [
      {
        uid: "uid-a",
        namespace: "default",
        name: "a",
        nodeName: "w1",
        annotations: {
          [NETWORK_STATUS_ANNOTATION]: JSON.stringify([
            { name: "pod-net", interface: "eth0", ips: ["10.244.0.5"], default: true },
            { name: "kube-system/macvlan", interface: "net3", ips: ["10.3.0.1"] },
          ]),
        },
      },
      { uid: "uid-b", namespace: "default", name: "b", nodeName: "w2", annotations: {} },
    ];
    const result = plan(
      [
        ippool("10.3.0.0-24", "10.3.0.0/24", {
          "1": entry("ca", "default/a", null),
          "2": entry("cb", "default/b", null),
        }),
      ],
      { pods },
    );
    expect(result.rows.map((row) => [row.pod, row.ifName, row.ifNameFrom, row.podUid])).toEqual([
      ["default/a", "net3", "network-status", "uid-a"],
      ["default/b", "net1", "default", ""],
    ]);
    const owners = result.events.flatMap((event) => (event.type === "AddressAllocated" ? [event.data.owner.node] : []));
    expect(owners).toEqual(["w1", ""]);
  });

  it("leaves an address the ledger already gives to someone else, and says who holds it", () => {
    const state: LedgerState = fold(
      history(allocated(allocate(owner("native", { containerId: "c-native" }), [pool("10.4.0.0/24")]))),
    );
    const result = plan(
      [
        ippool("10.4.0.0-24", "10.4.0.0/24", {
          "1": entry("c-old", "default/old"),
          "2": entry("c-two", "default/two"),
        }),
      ],
      { state },
    );
    expect(rowsOf(result)).toEqual([
      "kube-system/10.4.0.0-24 10.4.0.1 default/old net1 conflict",
      "kube-system/10.4.0.0-24 10.4.0.2 default/two net1 imported",
    ]);
    expect(result.conflicts[0]?.detail).toBe(
      "the ledger already gives 10.4.0.1 to default/native (container c-native) in pool 10.4.0.0-24",
    );
    expect(result.definedPools).toEqual([]); // the pool exists: its definition (and excludes) stay as the agent wrote them
  });

  it("refuses two addresses for one pod interface in a pool (the fold would void the second)", () => {
    const result = plan([
      ippool("10.11.0.0-24", "10.11.0.0/24", {
        "1": entry("c1", "default/a", null),
        "2": entry("c2", "default/a", null),
      }),
    ]);
    expect(kindsOf(result)).toEqual(["attachment-held kube-system/10.11.0.0-24 10.11.0.2"]);
    expect(result.conflicts[0]?.detail).toMatch(/interface name was defaulted/);
  });
});

describe("reservationNameOf (Whereabouts NormalizeIP)", () => {
  it.each([
    ["192.168.2.1", "", "192.168.2.1"],
    ["2001::1", "", "2001--1"],
    ["fdef:b041:5422:5::", "", "fdef-b041-5422-5--0"],
    ["192.168.2.1", "net-a", "net-a-192.168.2.1"],
  ])("%s in network %j → %s", (ip, networkName, expected) => {
    expect(reservationNameOf(parseAddress(ip) as NonNullable<ReturnType<typeof parseAddress>>, networkName)).toBe(
      expected,
    );
  });
});
