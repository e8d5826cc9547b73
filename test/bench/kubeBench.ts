import { CustomObjectsApi, KubeConfig, Watch } from "@kubernetes/client-node";
import { LOG_POSITION_ANNOTATION } from "../../projections/kubernetes/ippoolObjects.js";
import type { StoredIPPool } from "../../projections/kubernetes/ippoolStore.js";
import { startProjector } from "../../src/kube/projector.js";
import { installWhereaboutsCrds } from "../../src/kube/projectorCrds.js";
import { startTestAgent } from "../support/agent/testAgent.js";
import { createLedgerDriver, ippoolName, type DriverPool } from "../support/kube/ledgerDriver.js";
import { createTestNamespace, removeTestNamespace } from "../support/kube/testNamespace.js";

export interface KubeBurstFigures {
  /** From the append of the burst's last event until every IPPool in the apiserver reflects it. */
  readonly lagMs: number;
  /** From the first ADD until every IPPool reflects the burst. */
  readonly totalMs: number;
  /** Events the burst appended (PoolDefined + AddressAllocated). */
  readonly events: number;
  /** IPPool writes the applier made (creates and replaces that landed). */
  readonly writes: number;
  /** Write requests refused with 409 (each is an API call too). */
  readonly conflicts: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A freshly Established CRD can still answer 404 for a moment; a watch started then ends at once
 * and sees nothing. Wait until the IPPool list is served.
 */
async function untilIPPoolsServed(kc: KubeConfig, namespace: string): Promise<void> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await api.listNamespacedCustomObject({
        group: "whereabouts.cni.cncf.io",
        version: "v1alpha1",
        namespace,
        plural: "ippools",
      });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

/**
 * A burst of `allocations` ADDs over `pools` pools through the agent's CNI API, with the IPPool
 * projector (production timings: 250 ms write interval) writing to the real kube-apiserver of
 * `kubeconfig`. A watch stamps when each IPPool version arrives, so the lag is what a
 * `kubectl get ippools -w` user would see.
 */
export async function kubeProjectionBurst(
  kubeconfig: string,
  allocations: number,
  pools = 10,
): Promise<KubeBurstFigures> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  await installWhereaboutsCrds(kc);
  const namespace = await createTestNamespace(kc, "ipledger-bench");
  await untilIPPoolsServed(kc, namespace);
  const agent = await startTestAgent({ node: "bench" });
  const ranges: DriverPool[] = Array.from({ length: pools }, (_, index) => ({ range: `10.${100 + index}.0.0/20` }));
  const projector = await startProjector({ log: agent.log, kubeConfig: kc, namespace, identity: "bench" });
  const arrived = new Map<string, { position: string; at: number }>();
  const watch = await new Watch(kc).watch(
    `/apis/whereabouts.cni.cncf.io/v1alpha1/namespaces/${namespace}/ippools`,
    {},
    (type: string, object: StoredIPPool) => {
      if (type === "ADDED" || type === "MODIFIED")
        arrived.set(object.metadata.name, {
          position: object.metadata.annotations?.[LOG_POSITION_ANNOTATION] ?? "",
          at: performance.now(),
        });
    },
    () => undefined,
  );
  try {
    while (!projector.elector.isLeader()) await sleep(10);
    const driver = createLedgerDriver(agent.app, "bench");
    const started = performance.now();
    await driver.burst(
      Array.from(
        { length: allocations },
        (_, index) => () => driver.add(`pod-${index}`, ranges[index % pools] as DriverPool),
      ),
      16,
    );
    const lastAppended = performance.now();
    // The position each IPPool must reach: the last event of its pool in the log.
    const events = await agent.events();
    const targets = new Map(ranges.map((range) => [ippoolName(range), ""]));
    for (const { partition, offset, event } of events)
      if (targets.has(event.pool)) targets.set(event.pool, `${partition}:${offset}`);
    const deadline = Date.now() + 60_000;
    while (![...targets].every(([name, position]) => arrived.get(name)?.position === position)) {
      if (Date.now() > deadline)
        throw new Error(`the IPPools did not reflect the burst within 60 s: ${JSON.stringify([...arrived])}`);
      await sleep(5);
    }
    const reflected = Math.max(...[...targets.keys()].map((name) => arrived.get(name)?.at ?? 0));
    const { writes, conflicts } = projector.applier.stats;
    return { lagMs: reflected - lastAppended, totalMs: reflected - started, events: events.length, writes, conflicts };
  } finally {
    watch.abort();
    await projector.stop();
    await agent.close();
    await removeTestNamespace(kc, namespace);
  }
}
