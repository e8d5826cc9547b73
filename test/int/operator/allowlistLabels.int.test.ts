import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Allowlist } from "../../../src/operator/allowlist.js";
import { addOk } from "../../support/agent/agentCalls.js";
import { cniBody } from "../../support/agent/cniBodies.js";
import { requireBuilt } from "../../support/builtDist.js";
import { describeKube } from "../../support/kube/kubeService.js";
import { createTestNamespace, removeTestNamespace } from "../../support/kube/testNamespace.js";
import { ipledger } from "../../support/cli/spawnedCli.js";
import { startOperatorAgent, type OperatorAgent } from "../../support/operator/operatorAgent.js";

// allowlist --namespace NS --label k=v against the real kube-apiserver: pods' labels come from
// Kubernetes (no kubelet runs, so the pods stay Pending, but they have UIDs), addresses from the
// ledger, joined by pod UID. A ledger entry for an older pod of the same name does not match.

describeKube("allowlist by pod label", (kube) => {
  const admin = new KubeConfig();
  let namespace: string;
  let op: OperatorAgent;

  async function pod(name: string, labels: Record<string, string>): Promise<string> {
    const created = await admin.makeApiClient(CoreV1Api).createNamespacedPod({
      namespace,
      body: { metadata: { name, labels }, spec: { containers: [{ name: "main", image: "registry.invalid/none:1" }] } },
    });
    return created.metadata?.uid as string;
  }

  beforeAll(async () => {
    requireBuilt("dist/src/cli/bin.js");
    admin.loadFromFile(kube.kubeconfig);
    namespace = await createTestNamespace(admin, "ipledger-allow");
    op = await startOperatorAgent({ node: "node-k" });
    const body = (name: string, uid: string) =>
      cniBody({ pod: { namespace, name, uid }, ipam: { range: "10.40.0.0/24" } });
    await addOk(op.app, body("web-0", await pod("web-0", { app: "web" })));
    await addOk(op.app, body("db-0", await pod("db-0", { app: "db" })));
    await addOk(op.app, body("web-1", "uid-of-a-deleted-web-1")); // the live web-1 below is another pod
    await pod("web-1", { app: "web" });
    await addOk(op.app, body("web-2", await pod("web-2", { app: "web", tier: "canary" })));
  });
  afterAll(async () => {
    await op?.close();
    if (namespace) await removeTestNamespace(admin, namespace);
  });

  it("keeps the holders whose pod UID matches the selector, as JSON and as CIDRs; refuses --label with --at", async () => {
    const base = [
      "allowlist",
      "--namespace",
      namespace,
      "--kubeconfig",
      kube.kubeconfig,
      "--data-dir",
      op.agent.dataDir,
    ];
    const [json, canary, past] = await Promise.all([
      ipledger([...base, "--label", "app=web", "--format", "json"]),
      ipledger([...base, "--label", "app=web,tier=canary", "--format", "cidrs"]),
      ipledger([...base, "--label", "app=web", "--at", "1h ago"]),
    ]);
    expect(json.status, json.stderr).toBe(0);
    const list = JSON.parse(json.stdout) as Allowlist;
    expect(list.addresses).toEqual(["10.40.0.1", "10.40.0.4"]);
    expect(list.holders.map((holder) => holder.podName)).toEqual(["web-0", "web-2"]);
    expect(list.selector).toEqual({ namespace, label: "app=web" });
    expect(canary.stdout).toBe("10.40.0.4/32\n");
    // Past labels are not in the cluster (and deleted pods are gone): refused, not guessed.
    expect(past.status).toBe(2);
    expect(past.stderr).toMatch(/--label cannot be combined with --at/);
  });
});
