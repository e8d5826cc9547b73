import { randomUUID } from "node:crypto";
import type { KubeObject, Manifest } from "./deployManifests.js";
import type { Kube, KubeAnswer } from "./kubeHttp.js";

/**
 * Installs `deploy/`'s manifests on the shared test apiserver without touching what other
 * suites (or a second run) use: the namespace `ipledger` becomes a fresh one, `kube-system` (the
 * Whereabouts namespace of the import RBAC) another, and cluster-scoped RBAC objects get a
 * suffix. CRDs are shared, so they are applied with server-side apply, dry-run only for
 * ipledger's own.
 */
export interface TestNames {
  readonly namespace: string;
  readonly whereaboutsNamespace: string;
  readonly suffix: string;
}

export function freshNames(prefix: string): TestNames {
  const suffix = randomUUID().slice(0, 8);
  return { namespace: `${prefix}-${suffix}`, whereaboutsNamespace: `${prefix}-wa-${suffix}`, suffix };
}

const CLUSTER_RBAC = new Set(["ClusterRole", "ClusterRoleBinding"]);

/** The manifest as it is installed under `names` (a copy; namespaces, cluster RBAC names and references rewritten). */
export function isolate(object: KubeObject, names: TestNames): KubeObject {
  const copy = structuredClone(object) as KubeObject & {
    metadata: { name: string; namespace?: string };
    subjects?: { namespace?: string }[];
    roleRef?: { kind: string; name: string };
  };
  const mapNamespace = (ns: string | undefined): string | undefined =>
    ns === "ipledger" ? names.namespace : ns === "kube-system" ? names.whereaboutsNamespace : ns;
  if (copy.kind === "Namespace") copy.metadata.name = mapNamespace(copy.metadata.name) as string;
  if (copy.metadata.namespace !== undefined) copy.metadata.namespace = mapNamespace(copy.metadata.namespace);
  if (CLUSTER_RBAC.has(copy.kind)) copy.metadata.name = `${copy.metadata.name}-${names.suffix}`;
  for (const subject of copy.subjects ?? []) subject.namespace = mapNamespace(subject.namespace);
  if (copy.roleRef?.kind === "ClusterRole") copy.roleRef.name = `${copy.roleRef.name}-${names.suffix}`;
  return copy;
}

/** Creation order: what others refer to first. */
const ORDER = [
  "Namespace",
  "ServiceAccount",
  "ClusterRole",
  "Role",
  "ClusterRoleBinding",
  "RoleBinding",
  "ConfigMap",
  "Service",
];
const rank = (kind: string): number => (ORDER.includes(kind) ? ORDER.indexOf(kind) : ORDER.length);

function describe(answer: KubeAnswer): string {
  return `HTTP ${answer.status}: ${(answer.body.message as string | undefined) ?? JSON.stringify(answer.body)}`;
}

/** One object created for real in the test namespaces, for cleanup. */
export interface Created {
  readonly path: string;
  readonly kind: string;
}

/**
 * Creates every manifest (CRDs excluded) with strict field validation, in dependency order.
 * Returns, per manifest, the apiserver's answer (the caller asserts on it), and what to delete.
 */
export async function createAll(kube: Kube, manifests: readonly Manifest[], names: TestNames) {
  const answers: { manifest: Manifest; answer: KubeAnswer }[] = [];
  const created: Created[] = [];
  const sorted = [...manifests]
    .filter((m) => m.object.kind !== "CustomResourceDefinition")
    .sort((a, b) => rank(a.object.kind) - rank(b.object.kind));
  for (const manifest of sorted) {
    const object = isolate(manifest.object, names);
    const { path } = await kube.collectionOf(object, names.namespace);
    const answer = await kube.send("POST", `${path}?fieldValidation=Strict&fieldManager=ipledger-deploy-test`, object);
    answers.push({ manifest, answer });
    if (answer.status === 201) created.push({ path: `${path}/${object.metadata.name}`, kind: object.kind });
  }
  return { answers, created };
}

/** Server-side apply of a CRD (strict), for real or as a dry run; a real one is awaited until Established. */
export async function applyCrd(kube: Kube, crd: KubeObject, dryRun: boolean): Promise<KubeAnswer> {
  const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`;
  const query = `fieldManager=ipledger-deploy-test&force=true&fieldValidation=Strict${dryRun ? "&dryRun=All" : ""}`;
  const answer = await kube.send("PATCH", `${path}?${query}`, crd, { "content-type": "application/apply-patch+yaml" });
  if (answer.status !== 200 && answer.status !== 201)
    throw new Error(`apply CRD ${crd.metadata.name}: ${describe(answer)}`);
  for (let waited = 0; !dryRun; waited += 100) {
    const current = await kube.send("GET", path);
    const conditions =
      (current.body.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
    if (conditions.some((condition) => condition.type === "Established" && condition.status === "True")) break;
    if (waited > 10_000) throw new Error(`CRD ${crd.metadata.name} not Established after 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return answer;
}

/**
 * Deletes what `createAll` made, then the test namespaces. A bare apiserver has no namespace
 * controller, so the namespaces' finalizer is cleared here, or they would stay Terminating.
 */
export async function removeAll(kube: Kube, created: readonly Created[], names: TestNames): Promise<void> {
  for (const { path, kind } of [...created].reverse()) {
    if (kind === "Namespace") continue;
    await kube.send("DELETE", `${path}?gracePeriodSeconds=0`);
  }
  for (const namespace of [names.namespace, names.whereaboutsNamespace]) {
    // What the tests made besides the manifests (a Lease, Events), and pods the examples created.
    for (const collection of [
      "/apis/coordination.k8s.io/v1/namespaces/NS/leases",
      "/api/v1/namespaces/NS/events",
      "/api/v1/namespaces/NS/pods",
    ]) {
      await kube.send("DELETE", `${collection.replace("NS", namespace)}?gracePeriodSeconds=0`);
    }
    await kube.send("DELETE", `/api/v1/namespaces/${namespace}`);
    await kube.send("PUT", `/api/v1/namespaces/${namespace}/finalize`, {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: namespace },
      spec: { finalizers: [] },
    });
  }
}

export { describe as describeAnswer };
