/**
 * What `ipledger project-kubernetes` needs from RBAC, in the namespace it writes (a Role bound to
 * the projector's identity). The int tests run the projector with exactly these rules, so the list
 * stays true. `--install-crds` needs, in addition, the cluster-scoped `CRD_INSTALL_RULES`.
 * Agents need none of this: they never write IPPools.
 */
export const PROJECTOR_RULES = [
  {
    apiGroups: ["whereabouts.cni.cncf.io"],
    resources: ["ippools"],
    verbs: ["get", "list", "watch", "create", "update"],
  },
  { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"] },
] as const;

/** A ClusterRole rule for `--install-crds` (create or update the two Whereabouts CRDs). */
export const CRD_INSTALL_RULES = [
  { apiGroups: ["apiextensions.k8s.io"], resources: ["customresourcedefinitions"], verbs: ["get", "create", "update"] },
] as const;
