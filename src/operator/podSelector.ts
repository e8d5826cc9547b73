import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { LedgerError } from "../../ledger/core/index.js";
import { describeKubeError } from "../kube/kubeClient.js";

/** The pods a label selector picks in one namespace, by UID and by name. */
export interface SelectedPods {
  readonly uids: ReadonlySet<string>;
  /** `namespace/name`, for ledger entries recorded without a pod UID. */
  readonly names: ReadonlySet<string>;
}

/**
 * Lists the pods of `namespace` that match `selector` (any Kubernetes label selector:
 * `app=web`, `app=web,tier!=db`, `env in (prod,staging)`), paged. Pods' labels live in
 * Kubernetes, not in the ledger, so this is the one half of a label allow-list the ledger cannot
 * answer.
 *
 * @example const pods = await selectPods(loadKubeConfig(file), "shop", "app=web");
 */
export async function selectPods(kubeConfig: KubeConfig, namespace: string, selector: string): Promise<SelectedPods> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const uids = new Set<string>();
  const names = new Set<string>();
  let next: string | undefined;
  try {
    do {
      const page = await core.listNamespacedPod({
        namespace,
        labelSelector: selector,
        limit: 500,
        ...(next ? { _continue: next } : {}),
      });
      for (const pod of page.items) {
        if (pod.metadata?.uid) uids.add(pod.metadata.uid);
        names.add(`${namespace}/${pod.metadata?.name ?? ""}`);
      }
      next = page.metadata?._continue || undefined;
    } while (next);
  } catch (error) {
    throw new LedgerError(
      "AGENT_UNREACHABLE",
      `cannot list pods of namespace ${namespace} with labels ${JSON.stringify(selector)}: ${describeKubeError(error)}; check --kubeconfig and that it may list pods there`,
      { cause: error },
    );
  }
  return { uids, names };
}
