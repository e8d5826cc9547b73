import { CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { IPPOOL_GROUP, IPPOOL_VERSION } from "../../projections/kubernetes/ippoolObjects.js";
import { describeKubeError, statusCodeOf } from "./kubeClient.js";
import { createPodSource, type PodSummary } from "./reconcilePodSource.js";

/** What Whereabouts stored, as read from the apiserver (see whereabouts-compat.md §5). */

/** One IPPool: `spec.range` and `spec.allocations` (decimal offset → `{ id, podref, ifname? }`). */
export interface SourcePool {
  readonly namespace: string;
  readonly name: string;
  readonly range: string;
  /** As stored; entries are validated by the planner, which reports what it cannot read. */
  readonly allocations: Readonly<Record<string, unknown>>;
}

/** One OverlappingRangeIPReservation: named after the address, owned by a pod. */
export interface SourceReservation {
  readonly namespace: string;
  readonly name: string;
  readonly podref: string;
  readonly ifname?: string;
  readonly containerid?: string;
}

export interface WhereaboutsSnapshot {
  readonly pools: readonly SourcePool[];
  readonly reservations: readonly SourceReservation[];
  /** Pods, to read Multus' network-status; `undefined` when they could not be listed. */
  readonly pods: readonly PodSummary[] | undefined;
  readonly warnings: readonly string[];
}

interface CustomList {
  items?: { metadata?: { name?: string; namespace?: string }; spec?: Record<string, unknown> }[];
  metadata?: { _continue?: string };
}

async function listAll(
  api: CustomObjectsApi,
  namespace: string,
  plural: string,
): Promise<NonNullable<CustomList["items"]>> {
  const items: NonNullable<CustomList["items"]> = [];
  let next: string | undefined;
  do {
    const page = (await api.listNamespacedCustomObject({
      group: IPPOOL_GROUP,
      version: IPPOOL_VERSION,
      namespace,
      plural,
      limit: 500,
      ...(next ? { _continue: next } : {}),
    })) as CustomList;
    items.push(...(page.items ?? []));
    next = page.metadata?._continue || undefined;
  } while (next);
  return items;
}

const text = (value: unknown): string => (typeof value === "string" ? value : "");

/**
 * Reads the IPPools and ORIPs of `namespace`, and every pod (for network-status). A missing CRD
 * reads as no objects; pods that cannot be listed (RBAC) only cost the enrichment, with a warning.
 *
 * @example
 *   const snapshot = await readWhereabouts(kubeConfig, "kube-system");
 */
export async function readWhereabouts(kubeConfig: KubeConfig, namespace: string): Promise<WhereaboutsSnapshot> {
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const warnings: string[] = [];
  const orEmpty = async (plural: string) =>
    listAll(api, namespace, plural).catch((error: unknown) => {
      if (statusCodeOf(error) !== 404) throw error;
      warnings.push(
        `no ${plural}.${IPPOOL_GROUP} resource on this apiserver (CRD not installed): nothing read from it`,
      );
      return [];
    });
  const [poolItems, reservationItems] = [await orEmpty("ippools"), await orEmpty("overlappingrangeipreservations")];
  let pods: PodSummary[] | undefined;
  try {
    pods = await createPodSource(kubeConfig).listPods();
  } catch (error) {
    warnings.push(
      `cannot list pods (${describeKubeError(error)}): interface names and pod UIDs are not taken from network-status`,
    );
  }
  return {
    pools: poolItems.map((item) => ({
      namespace: item.metadata?.namespace ?? namespace,
      name: item.metadata?.name ?? "",
      range: text(item.spec?.range),
      allocations: (item.spec?.allocations as Record<string, unknown> | undefined) ?? {},
    })),
    reservations: reservationItems.map((item) => ({
      namespace: item.metadata?.namespace ?? namespace,
      name: item.metadata?.name ?? "",
      podref: text(item.spec?.podref),
      ...(typeof item.spec?.ifname === "string" ? { ifname: item.spec.ifname } : {}),
      ...(typeof item.spec?.containerid === "string" ? { containerid: item.spec.containerid } : {}),
    })),
    pods,
    warnings,
  };
}
