import { CoordinationV1Api, CustomObjectsApi, KubeConfig, Watch } from "@kubernetes/client-node";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { WRITTEN_BY_ANNOTATION } from "../../../projections/kubernetes/ippoolDiff.js";
import type { StoredIPPool } from "../../../projections/kubernetes/ippoolStore.js";
import { PROJECTOR_RULES } from "../../../src/kube/projectorRbac.js";
import { startTestAgent, type TestAgent } from "../../support/agent/testAgent.js";
import { describeKube } from "../../support/kube/kubeService.js";
import { createLedgerDriver, ippoolName, type DriverPool } from "../../support/kube/ledgerDriver.js";
import { spawnProjector, type ProjectorProcess } from "../../support/kube/projectorProcess.js";
import { createTestNamespace, grantRole, removeTestNamespace } from "../../support/kube/testNamespace.js";

// Two `ipledger project-kubernetes` processes (the built CLI) on one embedded log and one
// namespace: only the Lease holder writes IPPools, and when it is killed (SIGKILL: no release)
// the standby takes over once the Lease expires. A watch in the test records the writer stamped
// on every IPPool version the apiserver stores. Process A runs as admin with --install-crds;
// process B as the low-privilege user holding only the projector's Role.

const where = { group: "whereabouts.cni.cncf.io", version: "v1alpha1", plural: "ippools" };
const POOLS: readonly DriverPool[] = [{ range: "10.80.0.0/24" }, { range: "10.81.0.0/24" }];
const LEASE_SECONDS = 2;

describeKube("IPPool projector: one writer through a Lease (two processes)", (kube) => {
  const admin = new KubeConfig();
  let namespace = "";
  let agent: TestAgent;
  const processes: ProjectorProcess[] = [];
  const versions: { writer: string | undefined; name: string }[] = [];
  let watch: AbortController | undefined;

  beforeAll(async () => {
    if (!kube.agentKubeconfig)
      throw new Error(`no agent.kubeconfig beside ${kube.kubeconfig}; restart test/services/kube/start`);
    admin.loadFromFile(kube.kubeconfig);
    namespace = await createTestNamespace(admin, "ipledger-lease");
    await grantRole(
      admin,
      namespace,
      "ipledger-agent",
      "ipledger-projector",
      PROJECTOR_RULES.map((rule) => ({
        apiGroups: [...rule.apiGroups],
        resources: [...rule.resources],
        verbs: [...rule.verbs],
      })),
    );
    agent = await startTestAgent();
  });

  afterAll(async () => {
    watch?.abort();
    await Promise.all(processes.map((child) => child.kill("SIGKILL")));
    await agent?.close();
    if (namespace) await removeTestNamespace(admin, namespace);
  });

  const holder = async (): Promise<string | undefined> =>
    (
      await admin
        .makeApiClient(CoordinationV1Api)
        .readNamespacedLease({ namespace, name: "ipledger-projector" })
        .catch(() => undefined)
    )?.spec?.holderIdentity;

  const start = (identity: string, kubeconfig: string, ...extra: string[]): ProjectorProcess => {
    const child = spawnProjector(identity, [
      "--kubeconfig",
      kubeconfig,
      "--namespace",
      namespace,
      "--data-dir",
      agent.dataDir,
      "--lease-seconds",
      String(LEASE_SECONDS),
      "--write-interval-ms",
      "100",
      ...extra,
    ]);
    processes.push(child);
    return child;
  };

  /** Every IPPool equals what the CNI answered, and the last version was stamped by `writer`. */
  async function expectPools(driver: ReturnType<typeof createLedgerDriver>, writer: string): Promise<void> {
    const custom = admin.makeApiClient(CustomObjectsApi);
    await vi.waitFor(
      async () => {
        for (const pool of POOLS) {
          const stored = (await custom.getNamespacedCustomObject({
            ...where,
            namespace,
            name: ippoolName(pool),
          })) as StoredIPPool;
          expect(stored.spec?.allocations).toEqual(driver.expected(pool));
          expect(stored.metadata.annotations?.[WRITTEN_BY_ANNOTATION]).toBe(writer);
        }
      },
      { timeout: 20_000, interval: 100 },
    );
  }

  it("only the Lease holder writes; the standby takes over after the holder is killed", async () => {
    const a = start("projector-a", kube.kubeconfig, "--install-crds");
    await a.logged("holding the projector Lease: writing IPPools");
    expect(a.lines.filter((line) => line.msg === "CRD installed and Established")).toHaveLength(2);
    watch = await new Watch(admin).watch(
      `/apis/${where.group}/${where.version}/namespaces/${namespace}/${where.plural}`,
      {},
      (type: string, object: StoredIPPool) => {
        if (type === "ADDED" || type === "MODIFIED")
          versions.push({ writer: object.metadata.annotations?.[WRITTEN_BY_ANNOTATION], name: object.metadata.name });
      },
      () => undefined,
    );
    const b = start("projector-b", kube.agentKubeconfig as string);
    await b.logged("folded the log; competing for the projector Lease");

    const driver = createLedgerDriver(agent.app);
    await driver.burst(
      Array.from({ length: 40 }, (_, index) => () => driver.add(`a-${index}`, POOLS[index % 2] as DriverPool)),
      4,
    );
    await expectPools(driver, "projector-a");
    await new Promise((resolve) => setTimeout(resolve, LEASE_SECONDS * 1000 + 500)); // B had every chance to write
    expect(await holder()).toBe("projector-a");
    expect(b.writes()).toEqual([]);
    expect(a.writes().length).toBeGreaterThan(0);

    // Kill the writer without a chance to release the Lease, then keep the ledger moving.
    const killed = Date.now();
    const writtenByA = versions.length;
    await a.kill("SIGKILL");
    await driver.burst(
      Array.from({ length: 20 }, (_, index) => () => driver.add(`b-${index}`, POOLS[index % 2] as DriverPool)),
      4,
    );
    await driver.burst(
      driver
        .pods()
        .slice(0, 10)
        .map((pod) => () => driver.del(pod)),
      4,
    );
    await b.logged("holding the projector Lease: writing IPPools", 20_000);
    const tookOver = Date.now() - killed;
    await expectPools(driver, "projector-b");
    expect(await holder()).toBe("projector-b");
    expect(b.writes().length).toBeGreaterThan(0);

    // One writer at a time: every stored version up to the kill is A's, every one after is B's.
    const writers = versions.map((version) => version.writer);
    expect(writers.slice(0, writtenByA).every((writer) => writer === "projector-a")).toBe(true);
    expect(writers.slice(writtenByA).every((writer) => writer === "projector-b")).toBe(true);
    expect(writers.slice(writtenByA).length).toBeGreaterThan(0);
    expect(tookOver).toBeGreaterThanOrEqual(LEASE_SECONDS * 1000 - 500); // B waited for the Lease to expire
  });
});
