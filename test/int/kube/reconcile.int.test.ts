import { randomUUID } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api, type V1Pod } from "@kubernetes/client-node";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { decideAllocation, type LoggedEvent, type TargetPool } from "../../../ledger/core/index.js";
import { openSqliteEventLog } from "../../../ledger/log/sqliteEventLog.js";
import { LOG_FILE } from "../../../src/agent.js";
import { runCli } from "../../../src/cli/program.js";
import { appendAndWait } from "../../../src/cni/appendAndWait.js";
import { describeKubeError } from "../../../src/kube/kubeClient.js";
import { createPodEventRecorder } from "../../../src/kube/kubeEvents.js";
import { foldLog, type LedgerView } from "../../../src/ledgerView.js";
import { startReconcileLoop } from "../../../src/kube/reconcileLoop.js";
import { createPodSource } from "../../../src/kube/reconcilePodSource.js";
import { RECONCILER_RULES } from "../../../src/kube/reconcileRbac.js";
import { createPodReconciler, RELEASED_EVENT_REASON, type PodReconciler } from "../../../src/kube/reconciler.js";
import { freshDir } from "../../support/agent/agentFiles.js";
import { allocate, pool } from "../../support/deciderSpec.js";
import { describeKube } from "../../support/kube/kubeService.js";
import { createTestNamespace, removeTestNamespace } from "../../support/kube/testNamespace.js";

// Pod garbage collection against a real kube-apiserver. No kubelet runs: pods with a nodeName are
// deleted with gracePeriodSeconds 0, pods without one stay Pending. The reconciler runs as a
// ServiceAccount bound to exactly RECONCILER_RULES; the test itself acts as admin. The namespace
// is unique to this file and removed at the end, with the cluster-scoped RBAC objects.

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const poolA = pool("10.91.0.0/24");
const poolB = pool("10.92.0.0/24");

/**
 * A kubeconfig for a new ServiceAccount bound (ClusterRole) to `rules`, with a token from the
 * TokenRequest API: the reconciler's identity in a cluster, without touching shared test users.
 */
async function restrictedKubeConfig(
  admin: KubeConfig,
  namespace: string,
  name: string,
  rules: readonly { apiGroups: readonly string[]; resources: readonly string[]; verbs: readonly string[] }[],
): Promise<KubeConfig> {
  const core = admin.makeApiClient(CoreV1Api);
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  await rbac.createClusterRole({
    body: {
      metadata: { name },
      rules: rules.map((rule) => ({
        apiGroups: [...rule.apiGroups],
        resources: [...rule.resources],
        verbs: [...rule.verbs],
      })),
    },
  });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name },
      subjects: [{ kind: "ServiceAccount", name, namespace }],
    },
  });
  const { status } = await core.createNamespacedServiceAccountToken({
    namespace,
    name,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const cluster = admin.getCurrentCluster();
  if (!cluster || !status?.token) throw new Error("no cluster in the admin kubeconfig, or no token from TokenRequest");
  const restricted = new KubeConfig();
  restricted.loadFromOptions({
    clusters: [cluster],
    users: [{ name, token: status.token }],
    contexts: [{ name, cluster: cluster.name, user: name, namespace }],
    currentContext: name,
  });
  // RBAC reaches the authorizer's cache within moments; wait until the identity can list pods.
  await vi.waitFor(() => restricted.makeApiClient(CoreV1Api).listPodForAllNamespaces({ limit: 1 }), {
    timeout: 10_000,
    interval: 100,
  });
  return restricted;
}

describeKube("reconcile: pod garbage collection", (kube) => {
  const admin = new KubeConfig();
  const rbacName = `ipledger-reconciler-int-${randomUUID().slice(0, 8)}`;
  let namespace: string;
  let core: CoreV1Api;
  let kubeConfig: KubeConfig;
  let kubeconfigFile: string;
  let dataDir: string;
  let view: LedgerView;
  let reconciler: PodReconciler;

  beforeAll(async () => {
    admin.loadFromFile(kube.kubeconfig);
    core = admin.makeApiClient(CoreV1Api);
    namespace = await createTestNamespace(admin, "ipledger-gc");
    kubeConfig = await restrictedKubeConfig(admin, namespace, rbacName, RECONCILER_RULES);
    dataDir = freshDir("ipledger-reconcile-int-");
    kubeconfigFile = join(dataDir, "reconciler.kubeconfig");
    writeFileSync(kubeconfigFile, kubeConfig.exportConfig(), { mode: 0o600 });
    view = await foldLog(openSqliteEventLog({ path: join(dataDir, LOG_FILE) }));
    const events = createPodEventRecorder(kubeConfig, {
      instance: "int-test",
      onError: (error) => console.warn(`Event not recorded: ${describeKubeError(error)}`),
    });
    reconciler = createPodReconciler({
      log: view.log,
      runner: view.runner,
      pods: createPodSource(kubeConfig),
      events,
      actor: { node: "int", component: "reconciler" },
    });
  });

  afterAll(async () => {
    await view?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (!namespace) return;
    await removeTestNamespace(admin, namespace);
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    await rbac.deleteClusterRoleBinding({ name: rbacName }).catch(() => undefined);
    await rbac.deleteClusterRole({ name: rbacName }).catch(() => undefined);
  });

  async function createPod(name: string, options: { scheduled: boolean }): Promise<V1Pod> {
    const spec = {
      containers: [{ name: "main", image: "registry.invalid/pause:3" }],
      ...(options.scheduled ? { nodeName: "node-int" } : {}),
    };
    return core.createNamespacedPod({ namespace, body: { metadata: { name }, spec } });
  }

  const deletePod = (name: string) => core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 });

  /** Allocates for `pod` through the decider, as an agent's CNI ADD would, and returns the address. */
  async function allocateFor(
    pod: V1Pod,
    target: TargetPool,
    containerId = `ctr-${randomUUID().slice(0, 12)}`,
  ): Promise<string> {
    const who = {
      containerId,
      ifName: "net1",
      podNamespace: namespace,
      podName: pod.metadata?.name ?? "",
      podUid: pod.metadata?.uid ?? "",
      node: "node-int",
    };
    const decision = decideAllocation(
      allocate(who, [target], { now: new Date().toISOString(), requestId: randomUUID() }),
      view.runner.state,
    );
    const outcomes = await appendAndWait(view.log, view.runner, decision.events, 5_000);
    expect([...outcomes.values()].map((outcome) => outcome.status)).toEqual(decision.events.map(() => "accepted"));
    return decision.pools[0]?.ip as string;
  }

  /** The uid holding `ip`, or undefined when it is free. */
  const holderOf = (ip: string): string | undefined => {
    for (const domain of view.runner.state.domains.values())
      for (const holding of domain.held.values()) if (holding.ip === ip) return holding.owner.podUid;
    return undefined;
  };

  async function releasesOf(ip: string): Promise<LoggedEvent[]> {
    const events = await view.log.read(await view.log.partitionFor(""), 0, 100_000);
    return events.filter(({ event }) => event.type === "AddressReleased" && event.data.ip === ip);
  }

  it("releases a deleted pod's address through the informer (reason pod-deleted, with its UID) and records an Event", async () => {
    const loop = await startReconcileLoop({ kubeConfig, reconciler, resyncMs: 600_000, logger: quiet });
    try {
      const pod = await createPod("web-a", { scheduled: true });
      const ip = await allocateFor(pod, poolA);
      await deletePod("web-a");
      await vi.waitFor(() => expect(holderOf(ip)).toBeUndefined(), { timeout: 10_000, interval: 100 });
      const [release] = await releasesOf(ip);
      expect(
        release?.event.type === "AddressReleased" && [release.event.data.reason, release.event.data.owner.podUid],
      ).toEqual(["pod-deleted", pod.metadata?.uid]);
      await vi.waitFor(
        async () => {
          const events = await core.listNamespacedEvent({
            namespace,
            fieldSelector: `involvedObject.name=web-a,reason=${RELEASED_EVENT_REASON}`,
          });
          expect(events.items.map((event) => [event.involvedObject.uid, event.message])).toEqual([
            [pod.metadata?.uid, expect.stringContaining(ip)],
          ]);
        },
        { timeout: 5_000, interval: 100 },
      );
    } finally {
      await loop.stop();
    }
  });

  it("keeps the new address of a pod re-created under the same name (Whereabouts #176): matched by UID", async () => {
    const loop = await startReconcileLoop({ kubeConfig, reconciler, resyncMs: 600_000, logger: quiet });
    try {
      const old = await createPod("web-0", { scheduled: true });
      const oldIp = await allocateFor(old, poolA);
      await deletePod("web-0");
      const renewed = await createPod("web-0", { scheduled: true }); // the StatefulSet controller's work
      const newIp = await allocateFor(renewed, poolB);
      await vi.waitFor(() => expect(holderOf(oldIp)).toBeUndefined(), { timeout: 10_000, interval: 100 });
      await reconciler.sweep("test"); // and a full relist agrees
      expect(holderOf(newIp)).toBe(renewed.metadata?.uid);
    } finally {
      await loop.stop();
    }
  });

  it("releases at start-up what a pod deleted while the reconciler was stopped held (Whereabouts #546)", async () => {
    const pod = await createPod("batch-1", { scheduled: true });
    const ip = await allocateFor(pod, poolA);
    await deletePod("batch-1");
    expect(holderOf(ip)).toBe(pod.metadata?.uid); // nobody is watching
    const stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    let code: number;
    let printed: string;
    try {
      code = await runCli([
        "node",
        "ipledger",
        "reconcile",
        "--once",
        "--kubeconfig",
        kubeconfigFile,
        "--data-dir",
        dataDir,
        "--output",
        "json",
      ]);
      printed = stdout.mock.calls.map(([chunk]) => String(chunk)).join("");
    } finally {
      stdout.mockRestore();
    }
    expect(code).toBe(0);
    const report = JSON.parse(printed) as { released: { ip: string; podUid: string }[] };
    expect(report.released).toEqual([expect.objectContaining({ ip, podUid: pod.metadata?.uid, matchedBy: "uid" })]);
    await vi.waitFor(() => expect(holderOf(ip)).toBeUndefined(), { timeout: 5_000, interval: 50 }); // appended by the CLI's own connection
  });

  it("leaves a Pending pod's address alone while collecting an orphan in the same sweep", async () => {
    const pending = await createPod("pending-1", { scheduled: false });
    const pendingIp = await allocateFor(pending, poolA);
    const ghostIp = await allocateFor({ metadata: { name: "ghost", uid: randomUUID() } }, poolA);
    const report = await reconciler.sweep("test");
    expect(report.released.map((released) => released.ip)).toEqual([ghostIp]);
    expect(holderOf(pendingIp)).toBe(pending.metadata?.uid);
    expect((await core.readNamespacedPod({ namespace, name: "pending-1" })).status?.phase).toBe("Pending");
  });
});
