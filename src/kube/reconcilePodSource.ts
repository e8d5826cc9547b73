import { CoreV1Api, type KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { statusCodeOf } from "./kubeClient.js";
import type { LivePod } from "./podGcDecision.js";

/** Multus writes each attachment's interface and addresses into this annotation. */
export const NETWORK_STATUS_ANNOTATION = "k8s.v1.cni.cncf.io/network-status";

/** A pod as the reconciler and the importer need it. */
export interface PodSummary extends LivePod {
  /** `spec.nodeName`; empty while unscheduled. */
  readonly nodeName: string;
  readonly annotations: Readonly<Record<string, string>>;
}

/** Reads pods; the structural port the reconciler depends on, so tests can hand in their own. */
export interface PodSource {
  /** Every pod of the cluster, as one consistent snapshot (paged LIST, one resourceVersion). */
  listPods(): Promise<PodSummary[]>;
  /** The pod named `namespace/name` now, or `undefined` when none exists. */
  getPod(namespace: string, name: string): Promise<PodSummary | undefined>;
}

const PAGE_SIZE = 500;

export function summarizePod(pod: V1Pod): PodSummary {
  return {
    uid: pod.metadata?.uid ?? "",
    namespace: pod.metadata?.namespace ?? "",
    name: pod.metadata?.name ?? "",
    nodeName: pod.spec?.nodeName ?? "",
    annotations: pod.metadata?.annotations ?? {},
  };
}

/**
 * Pods through the core/v1 API. The LIST is paged; all pages of one LIST are served at the
 * resourceVersion of the first, so together they are one snapshot.
 *
 * @example
 *   const pods = createPodSource(kubeConfig);
 *   const live = await pods.listPods();
 */
export function createPodSource(kubeConfig: KubeConfig): PodSource {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return {
    async listPods() {
      const pods: PodSummary[] = [];
      let next: string | undefined;
      do {
        const page = await core.listPodForAllNamespaces({ limit: PAGE_SIZE, ...(next ? { _continue: next } : {}) });
        for (const pod of page.items) pods.push(summarizePod(pod));
        next = page.metadata?._continue || undefined;
      } while (next);
      return pods;
    },
    async getPod(namespace, name) {
      try {
        return summarizePod(await core.readNamespacedPod({ namespace, name }));
      } catch (error) {
        if (statusCodeOf(error) === 404) return undefined;
        throw error;
      }
    },
  };
}
