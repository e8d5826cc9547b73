import { afterEach, describe, expect, it } from "vitest";
import {
  createLeaseElector,
  LeaseConflict,
  type LeaseElector,
  type LeaseRecord,
  type LeaseStore,
  type StoredLease,
} from "../../../../src/kube/leaseElector.js";

/** One Lease in memory with compare-and-swap on its resourceVersion; `cut` partitions a caller. */
function memoryLease() {
  let lease: StoredLease | undefined;
  let revision = 0;
  const cut = new Set<string>();
  const storeFor = (who: string): LeaseStore => {
    const reachable = async () => {
      if (cut.has(who)) throw new Error(`${who} cannot reach the apiserver`);
    };
    return {
      async get() {
        await reachable();
        return lease && { ...lease };
      },
      async create(record: LeaseRecord) {
        await reachable();
        if (lease) throw new LeaseConflict("exists");
        lease = { ...record, resourceVersion: String(++revision) };
        return { ...lease };
      },
      async replace(record: LeaseRecord, resourceVersion: string) {
        await reachable();
        if (lease?.resourceVersion !== resourceVersion) throw new LeaseConflict("modified");
        lease = { ...record, resourceVersion: String(++revision) };
        return { ...lease };
      },
    };
  };
  return { storeFor, cut, current: () => lease };
}

const electors: LeaseElector[] = [];
afterEach(async () => {
  await Promise.all(electors.splice(0).map((elector) => elector.stop()));
});

function candidate(lease: ReturnType<typeof memoryLease>, identity: string, log: string[]) {
  const elector = createLeaseElector({
    store: lease.storeFor(identity),
    identity,
    leaseDurationMs: 600,
    renewDeadlineMs: 400,
    retryPeriodMs: 50,
    onStartedLeading: () => log.push(`${identity} leads`),
    onStoppedLeading: () => log.push(`${identity} stops`),
  });
  electors.push(elector);
  return elector;
}

/** Samples both gates until `check`, failing if they are ever open together. */
async function watchGates(gates: LeaseElector[], check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    expect(gates.filter((gate) => gate.isLeader()).length).toBeLessThanOrEqual(1);
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("Lease elector", () => {
  it("elects one leader; a standby takes over only after the leader has stopped writing", async () => {
    const lease = memoryLease();
    const log: string[] = [];
    const a = candidate(lease, "a", log);
    a.start();
    await watchGates([a], () => a.isLeader());
    const b = candidate(lease, "b", log);
    b.start();
    await new Promise((resolve) => setTimeout(resolve, 800)); // longer than the lease: a keeps renewing
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);

    lease.cut.add("a"); // a is partitioned away: it must stop writing before b may start
    await watchGates([a, b], () => b.isLeader());
    expect(log).toEqual(["a leads", "a stops", "b leads"]);
    expect(lease.current()).toMatchObject({ holderIdentity: "b", leaseTransitions: 1, leaseDurationSeconds: 1 });
  });

  it("releases the Lease on stop, so a standby takes over at once", async () => {
    const lease = memoryLease();
    const log: string[] = [];
    const a = candidate(lease, "a", log);
    a.start();
    await watchGates([a], () => a.isLeader());
    const b = candidate(lease, "b", log);
    b.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = Date.now();
    await a.stop();
    expect(lease.current()?.holderIdentity).toBe("");
    await watchGates([a, b], () => b.isLeader());
    expect(Date.now() - stopped).toBeLessThan(400); // well under the 600 ms lease
  });
});
