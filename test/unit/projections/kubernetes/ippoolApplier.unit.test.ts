import { afterEach, describe, expect, it } from "vitest";
import { createIPPoolApplier, type IPPoolApplier } from "../../../../projections/kubernetes/ippoolApplier.js";
import { WRITTEN_BY_ANNOTATION } from "../../../../projections/kubernetes/ippoolDiff.js";
import type { IPAllocation, IPPoolObject } from "../../../../projections/kubernetes/ippoolObjects.js";
import { createMemoryIPPoolStore } from "../../../support/kube/memoryIPPoolStore.js";

/** A projection stand-in: pool name → allocations, turned into IPPool objects on demand. */
function fakeProjection() {
  const pools = new Map<string, Record<string, IPAllocation>>();
  const desired = (name: string): IPPoolObject | undefined => {
    const allocations = pools.get(name);
    if (!allocations) return undefined;
    return {
      apiVersion: "whereabouts.cni.cncf.io/v1alpha1",
      kind: "IPPool",
      metadata: {
        name,
        namespace: "test",
        labels: { "app.kubernetes.io/managed-by": "ipledger" },
        annotations: { "ipledger.io/log-position": `0:${Object.keys(allocations).length}` },
      },
      spec: { range: "10.0.0.0/24", allocations: { ...allocations } },
    };
  };
  const allocate = (name: string, offset: number) => {
    const allocations = pools.get(name) ?? {};
    allocations[String(offset)] = { id: `c${offset}`, podref: `ns/p${offset}`, ifname: "net1" };
    pools.set(name, allocations);
  };
  return { pools, desired, names: () => pools.keys(), allocate };
}

const until = async (check: () => boolean, timeoutMs = 3_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

let applier: IPPoolApplier | undefined;
afterEach(async () => {
  await applier?.stop();
  applier = undefined;
});

function setup(options: { minWriteIntervalMs?: number; canWrite?: () => boolean } = {}) {
  const memory = createMemoryIPPoolStore();
  const projection = fakeProjection();
  applier = createIPPoolApplier({
    store: memory.store,
    desired: projection.desired,
    names: projection.names,
    writer: "me",
    minWriteIntervalMs: options.minWriteIntervalMs ?? 20,
    retryDelayMs: 20,
    ...(options.canWrite ? { canWrite: options.canWrite } : {}),
  });
  const running = applier;
  const settled = () => until(() => running.idle());
  return { memory, projection, applier: running, settled };
}

describe("IPPool applier", () => {
  it("creates missing pools, then writes nothing while they are right", async () => {
    const { memory, projection, applier, settled } = setup();
    projection.allocate("a", 1);
    projection.allocate("b", 2);
    applier.start();
    await settled();
    expect([...memory.objects.keys()].sort()).toEqual(["a", "b"]);
    expect(memory.objects.get("a")?.metadata.annotations?.[WRITTEN_BY_ANNOTATION]).toBe("me");
    const writes = memory.writes();
    applier.changed(["a", "b", "a"]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    await settled();
    expect(memory.writes()).toBe(writes);
  });

  it("coalesces a burst into a few writes per pool, ending at the latest state", async () => {
    const { memory, projection, applier, settled } = setup({ minWriteIntervalMs: 100 });
    applier.start();
    await settled();
    for (let offset = 1; offset <= 200; offset += 1) {
      projection.allocate("burst", offset);
      applier.changed(["burst"]);
      if (offset % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await settled();
    expect(Object.keys(memory.objects.get("burst")?.spec?.allocations ?? {})).toHaveLength(200);
    expect(memory.writes()).toBeLessThanOrEqual(4);
  });

  it("retries a 409 after re-reading, keeping the rival's foreign metadata", async () => {
    const { memory, projection, applier, settled } = setup();
    projection.allocate("c", 1);
    applier.start();
    await settled();
    let rivalDone = false;
    memory.setBeforeWrite((name) => {
      if (rivalDone) return;
      rivalDone = true;
      memory.edit(name, (object) => ({
        ...object,
        metadata: { ...object.metadata, labels: { ...object.metadata.labels, team: "blue" } },
      }));
    });
    projection.allocate("c", 2);
    applier.changed(["c"]);
    await until(() => Object.keys(memory.objects.get("c")?.spec?.allocations ?? {}).length === 2);
    await settled();
    expect(applier.stats.conflicts).toBeGreaterThanOrEqual(1);
    expect(memory.objects.get("c")?.metadata.labels).toEqual({
      "app.kubernetes.io/managed-by": "ipledger",
      team: "blue",
    });
  });

  it("restores a hand edit and a hand deletion seen by the watch", async () => {
    const { memory, projection, applier, settled } = setup();
    projection.allocate("d", 1);
    applier.start();
    await settled();
    const original = structuredClone(memory.objects.get("d")?.spec);
    memory.edit("d", (object) => ({
      ...object,
      spec: { range: "10.0.0.0/24", allocations: {} },
      metadata: {
        ...object.metadata,
        annotations: { ...object.metadata.annotations, "ipledger.io/log-position": "9:9", note: "kept" },
      },
    }));
    await until(() => memory.objects.get("d")?.spec?.allocations?.["1"] !== undefined);
    expect(memory.objects.get("d")?.spec).toEqual(original);
    expect(memory.objects.get("d")?.metadata.annotations).toMatchObject({
      "ipledger.io/log-position": "0:1",
      note: "kept",
    });
    memory.remove("d");
    await until(() => memory.objects.has("d"));
    expect(memory.objects.get("d")?.spec).toEqual(original);
  });

  it("writes nothing while the Lease gate is closed", async () => {
    let leader = false;
    const { memory, projection, applier, settled } = setup({ canWrite: () => leader });
    projection.allocate("e", 1);
    applier.start();
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(memory.writes()).toBe(0);
    leader = true;
    await applier.stop();
    applier.start(); // what the projector does on (re)gaining the Lease
    await settled();
    expect(memory.objects.has("e")).toBe(true);
  });
});
