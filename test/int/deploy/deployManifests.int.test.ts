import { afterAll, beforeAll, expect, it } from "vitest";
import { loadManifests, type Manifest } from "../../support/deploy/deployManifests.js";
import { connectKube, impersonating, type Kube, type KubeAnswer } from "../../support/deploy/kubeHttp.js";
import {
  applyCrd,
  createAll,
  describeAnswer,
  freshNames,
  removeAll,
  type Created,
} from "../../support/deploy/testInstall.js";
import { NAD_CRD, PROMETHEUS_RULE_CRD } from "../../support/deploy/thirdPartyCrds.js";
import { describeKube } from "../../support/kube/kubeService.js";

// Every manifest in deploy/ (base, examples, migration, monitoring) goes to the real
// kube-apiserver with strict field validation and is created for real, in namespaces unique to
// this run (testInstall.ts), so the impersonated requests below meet the RBAC objects as stored.
// rbac.int.test.ts checks the whole verb matrix on its own copy. No controllers run: DaemonSets,
// Deployments and Jobs are only stored, and pods stay Pending.

describeKube("deploy/: every manifest is accepted by the apiserver", (service) => {
  const names = freshNames("ipledger-deploy");
  const manifests = loadManifests();
  let kube: Kube;
  let created: readonly Created[] = [];
  let answers: { manifest: Manifest; answer: KubeAnswer }[] = [];
  const crdAnswers: { manifest: Manifest; answer: KubeAnswer }[] = [];

  beforeAll(async () => {
    kube = await connectKube(service.kubeconfig);
    for (const crd of [NAD_CRD, PROMETHEUS_RULE_CRD]) await applyCrd(kube, crd, false);
    // ipledger's own CRDs are shared with the kube suites; applying the same content is harmless.
    for (const manifest of manifests.filter((m) => m.object.kind === "CustomResourceDefinition")) {
      crdAnswers.push({ manifest, answer: await applyCrd(kube, manifest.object, false) });
    }
    const wa = await kube.send("POST", "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: names.whereaboutsNamespace },
    });
    expect(wa.status, describeAnswer(wa)).toBe(201);
    const result = await createAll(kube, manifests, names);
    answers = result.answers;
    created = result.created;
  });

  afterAll(async () => {
    if (kube) await removeAll(kube, created, names);
  });

  it("creates every object with fieldValidation=Strict, without a warning", () => {
    const failures = answers
      .filter(({ answer }) => answer.status !== 201 || answer.warnings.length > 0)
      .map(
        ({ manifest, answer }) =>
          `deploy/${manifest.file}:${manifest.line} ${manifest.object.kind} ${manifest.object.metadata.name}: ${describeAnswer(answer)} ${answer.warnings.join("; ")}`,
      );
    expect(failures).toEqual([]);
    expect(answers.length).toBe(
      manifests.filter((manifest) => manifest.object.kind !== "CustomResourceDefinition").length,
    );
  });

  it("accepts ipledger's CRDs (server-side apply, strict) and every kind the examples and alerts use", () => {
    expect(crdAnswers.map(({ manifest, answer }) => [manifest.file, answer.warnings])).toEqual([
      ["crds/ippools.yaml", []],
      ["crds/overlappingrangeipreservations.yaml", []],
    ]);
    const kinds = new Set(answers.map(({ manifest }) => manifest.object.kind));
    for (const kind of [
      "Namespace",
      "DaemonSet",
      "Deployment",
      "ConfigMap",
      "Role",
      "ClusterRole",
      "NetworkAttachmentDefinition",
      "StatefulSet",
      "Pod",
      "Job",
      "PrometheusRule",
    ]) {
      expect(kinds, kind).toContain(kind);
    }
  });

  it("rejects a manifest with a misspelt field, so the check above has teeth", async () => {
    const configMap = manifests.find((m) => m.object.kind === "ConfigMap")?.object;
    const typo = { ...configMap, metadata: { name: `typo-${names.suffix}` }, dataa: { a: "b" } };
    const answer = await kube.send(
      "POST",
      `/api/v1/namespaces/${names.namespace}/configmaps?fieldValidation=Strict&dryRun=All`,
      typo,
    );
    expect([answer.status, answer.body.message]).toEqual([400, expect.stringContaining('unknown field "dataa"')]);
  });

  it("lets the projector's ServiceAccount read IPPools and write its Lease in its namespace, as the apiserver sees it", async () => {
    const as = impersonating(names.namespace, "ipledger-projector");
    const list = await kube.send(
      "GET",
      `/apis/whereabouts.cni.cncf.io/v1alpha1/namespaces/${names.namespace}/ippools`,
      undefined,
      as,
    );
    expect(list.status, describeAnswer(list)).toBe(200);
    const lease = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "ipledger-projector" },
      spec: { holderIdentity: "test", leaseDurationSeconds: 15 },
    };
    const created = await kube.send(
      "POST",
      `/apis/coordination.k8s.io/v1/namespaces/${names.namespace}/leases`,
      lease,
      as,
    );
    expect(created.status, describeAnswer(created)).toBe(201);
    const elsewhere = await kube.send(
      "GET",
      `/apis/whereabouts.cni.cncf.io/v1alpha1/namespaces/${names.whereaboutsNamespace}/ippools`,
      undefined,
      as,
    );
    expect(elsewhere.status).toBe(403);
  });

  it("gives the agent's ServiceAccount nothing, and mounts no token for it", async () => {
    const as = impersonating(names.namespace, "ipledger-agent");
    for (const path of [
      `/api/v1/namespaces/${names.namespace}/pods`,
      `/api/v1/namespaces/${names.namespace}/configmaps`,
      "/api/v1/nodes",
      `/apis/whereabouts.cni.cncf.io/v1alpha1/namespaces/${names.namespace}/ippools`,
    ]) {
      expect((await kube.send("GET", path, undefined, as)).status, path).toBe(403);
    }
    const daemonSet = await kube.send("GET", `/apis/apps/v1/namespaces/${names.namespace}/daemonsets/ipledger-agent`);
    expect(
      (daemonSet.body.spec as { template: { spec: { automountServiceAccountToken: boolean } } }).template.spec
        .automountServiceAccountToken,
    ).toBe(false);
  });

  it("lets the reconciler watch pods everywhere and record Events, but not touch IPPools", async () => {
    const as = impersonating(names.namespace, "ipledger-reconciler");
    expect((await kube.send("GET", "/api/v1/pods?limit=1", undefined, as)).status).toBe(200);
    const event = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: `ipledger-test.${names.suffix}` },
      involvedObject: { kind: "Pod", namespace: names.namespace, name: "gone" },
      reason: "IPAddressReleased",
      message: "test",
      type: "Normal",
    };
    const recorded = await kube.send("POST", `/api/v1/namespaces/${names.namespace}/events`, event, as);
    expect(recorded.status, describeAnswer(recorded)).toBe(201);
    const pool = {
      apiVersion: "whereabouts.cni.cncf.io/v1alpha1",
      kind: "IPPool",
      metadata: { name: "10.0.0.0-24" },
      spec: { range: "10.0.0.0/24", allocations: {} },
    };
    expect(
      (
        await kube.send(
          "POST",
          `/apis/whereabouts.cni.cncf.io/v1alpha1/namespaces/${names.namespace}/ippools`,
          pool,
          as,
        )
      ).status,
    ).toBe(403);
  });
});
