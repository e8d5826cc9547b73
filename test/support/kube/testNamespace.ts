import { randomUUID } from "node:crypto";
import {
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  RbacAuthorizationV1Api,
  type KubeConfig,
  type V1PolicyRule,
} from "@kubernetes/client-node";

const ignoreMissing = (error: { code?: number }): void => {
  if (error.code !== 404) throw error;
};

/**
 * A fresh namespace for one test file, named `<prefix>-<random>`.
 *
 * @example const namespace = await createTestNamespace(kc, "ipledger-proj");
 */
export async function createTestNamespace(kc: KubeConfig, prefix: string): Promise<string> {
  const name = `${prefix}-${randomUUID().slice(0, 8)}`;
  await kc
    .makeApiClient(CoreV1Api)
    .createNamespace({ body: { metadata: { name, labels: { "ipledger.io/test": "true" } } } });
  return name;
}

/**
 * Gives `user` a Role with `rules` in `namespace` (e.g. the projector's rules for the
 * low-privilege `ipledger-agent` user of the test apiserver).
 */
export async function grantRole(
  kc: KubeConfig,
  namespace: string,
  user: string,
  name: string,
  rules: readonly V1PolicyRule[],
): Promise<void> {
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createNamespacedRole({
    namespace,
    body: { metadata: { name }, rules: rules.map((rule) => ({ ...rule })) },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
      subjects: [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: user }],
    },
  });
}

/**
 * Deletes what ipledger's tests create in `namespace` (Whereabouts CRs, Leases, pods with
 * grace period 0, Events, Roles), then the namespace itself. A bare apiserver has no namespace
 * controller, so the namespace's `kubernetes` finalizer is cleared here, or it would stay
 * Terminating forever. Never touches the cluster-scoped CRDs other suites share.
 */
export async function removeTestNamespace(kc: KubeConfig, namespace: string): Promise<void> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  for (const plural of ["ippools", "overlappingrangeipreservations"]) {
    await custom
      .deleteCollectionNamespacedCustomObject({
        group: "whereabouts.cni.cncf.io",
        version: "v1alpha1",
        namespace,
        plural,
      })
      .catch(ignoreMissing);
  }
  await kc.makeApiClient(CoordinationV1Api).deleteCollectionNamespacedLease({ namespace }).catch(ignoreMissing);
  await core.deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 0 }).catch(ignoreMissing);
  await core.deleteCollectionNamespacedEvent({ namespace }).catch(ignoreMissing);
  await rbac.deleteCollectionNamespacedRoleBinding({ namespace }).catch(ignoreMissing);
  await rbac.deleteCollectionNamespacedRole({ namespace }).catch(ignoreMissing);
  await core.deleteNamespace({ name: namespace }).catch(ignoreMissing);
  await core
    .replaceNamespaceFinalize({ name: namespace, body: { metadata: { name: namespace }, spec: { finalizers: [] } } })
    .catch(ignoreMissing);
}
