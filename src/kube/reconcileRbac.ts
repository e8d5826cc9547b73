/**
 * What `ipledger reconcile` needs from RBAC: a ClusterRole, because pods are watched in every
 * namespace and the Event goes to the pod's namespace. Nothing on IPPools or ORIPs: releases go
 * through the log, and the projector writes the IPPools. The int tests run the reconciler as a
 * ServiceAccount bound to exactly these rules, so the list stays true.
 */
export const RECONCILER_RULES = [
  { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
  { apiGroups: [""], resources: ["events"], verbs: ["create"] },
] as const;

/**
 * What `ipledger import-whereabouts` needs (a one-off, usually run by an administrator): read the
 * IPPools and ORIPs of Whereabouts' namespace, and list pods to read Multus' network-status
 * (optional: without it the import still runs and says what it could not enrich).
 */
export const IMPORT_RULES = [
  { apiGroups: ["whereabouts.cni.cncf.io"], resources: ["ippools", "overlappingrangeipreservations"], verbs: ["list"] },
  { apiGroups: [""], resources: ["pods"], verbs: ["list"] },
] as const;
