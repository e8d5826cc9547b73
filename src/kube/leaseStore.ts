import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from "@kubernetes/client-node";
import { statusCodeOf } from "./kubeClient.js";
import { LeaseConflict, type LeaseRecord, type LeaseStore, type StoredLease } from "./leaseElector.js";

function toStored(lease: V1Lease): StoredLease {
  const spec = lease.spec ?? {};
  return {
    holderIdentity: spec.holderIdentity ?? "",
    leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
    acquireTime: new Date(spec.acquireTime ?? 0),
    renewTime: new Date(spec.renewTime ?? 0),
    leaseTransitions: spec.leaseTransitions ?? 0,
    resourceVersion: lease.metadata?.resourceVersion ?? "",
  };
}

function toSpec(record: LeaseRecord): V1Lease["spec"] {
  return {
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    // MicroTime: the apiserver wants microseconds in the string, which V1MicroTime writes.
    acquireTime: new V1MicroTime(record.acquireTime.getTime()),
    renewTime: new V1MicroTime(record.renewTime.getTime()),
    leaseTransitions: record.leaseTransitions,
  };
}

function conflictOr(error: unknown): unknown {
  return statusCodeOf(error) === 409 ? new LeaseConflict((error as Error).message) : error;
}

/**
 * The `coordination.k8s.io/v1` Lease `name` in `namespace`, as a `LeaseStore`.
 *
 * @example
 *   const elector = createLeaseElector({ store: createKubeLeaseStore(kc, "kube-system", "ipledger-projector"), ... });
 */
export function createKubeLeaseStore(kc: KubeConfig, namespace: string, name: string): LeaseStore {
  const api = kc.makeApiClient(CoordinationV1Api);
  return {
    async get() {
      try {
        return toStored(await api.readNamespacedLease({ name, namespace }));
      } catch (error) {
        if (statusCodeOf(error) === 404) return undefined;
        throw error;
      }
    },
    async create(record) {
      try {
        return toStored(
          await api.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec: toSpec(record) } }),
        );
      } catch (error) {
        throw conflictOr(error);
      }
    },
    async replace(record, resourceVersion) {
      try {
        const body: V1Lease = { metadata: { name, namespace, resourceVersion }, spec: toSpec(record) };
        return toStored(await api.replaceNamespacedLease({ name, namespace, body }));
      } catch (error) {
        throw conflictOr(error);
      }
    },
  };
}
