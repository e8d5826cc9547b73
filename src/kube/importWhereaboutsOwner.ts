import { parseAddress, type Address, type Owner } from "../../ledger/core/index.js";
import { NETWORK_STATUS_ANNOTATION, type PodSummary } from "./reconcilePodSource.js";
import { podKey } from "./podGcDecision.js";

/** One IPPool allocation entry, validated: `{ id, podref: "ns/name", ifname? }`. */
export interface WhereaboutsAllocation {
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  readonly ifname?: string;
}

/** Reads an entry of `spec.allocations`; a string says what is wrong with it. */
export function readAllocation(entry: unknown): WhereaboutsAllocation | string {
  const value = (entry ?? {}) as { id?: unknown; podref?: unknown; ifname?: unknown };
  if (typeof value.id !== "string" || value.id === "") return "has no id (container ID)";
  if (typeof value.podref !== "string") return "has no podref";
  const [namespace, name, ...rest] = value.podref.split("/");
  if (!namespace || !name || rest.length > 0) return `podref ${JSON.stringify(value.podref)} is not "namespace/name"`;
  const ifname = typeof value.ifname === "string" && value.ifname !== "" ? value.ifname : undefined;
  return { id: value.id, namespace, name, ...(ifname ? { ifname } : {}) };
}

interface NetworkStatusEntry {
  readonly interface?: unknown;
  readonly ips?: unknown;
  readonly default?: unknown;
}

/** The interface on which Multus' network-status says the pod has `address`, if any. */
export function interfaceFromNetworkStatus(pod: PodSummary, address: Address): string | undefined {
  const raw = pod.annotations[NETWORK_STATUS_ANNOTATION];
  if (!raw) return undefined;
  let entries: unknown;
  try {
    entries = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!Array.isArray(entries)) return undefined;
  for (const entry of entries as NetworkStatusEntry[]) {
    if (entry.default === true || typeof entry.interface !== "string" || !Array.isArray(entry.ips)) continue;
    const has = entry.ips.some((ip) => {
      const parsed = typeof ip === "string" ? parseAddress(ip.split("/")[0] as string) : undefined;
      return parsed !== undefined && parsed.family === address.family && parsed.value === address.value;
    });
    if (has) return entry.interface;
  }
  return undefined;
}

export interface ResolvedOwner {
  readonly owner: Owner;
  /** Where the interface name came from. */
  readonly ifNameFrom: "ippool" | "network-status" | "default";
}

/**
 * The ledger owner of an imported allocation. Whereabouts records no pod UID and, before 2024,
 * no interface. When the pod of that name exists and Multus' network-status shows it carrying
 * this address, the pod is certainly the holder: its UID (so the reconciler later matches by
 * UID), node and interface are taken from it. Otherwise the UID stays empty (the reconciler falls
 * back to the name) and a missing interface becomes `defaultIfName`.
 */
export function resolveOwner(
  allocation: WhereaboutsAllocation,
  address: Address,
  pods: ReadonlyMap<string, PodSummary> | undefined,
  defaultIfName: string,
): ResolvedOwner {
  const pod = pods?.get(podKey(allocation.namespace, allocation.name));
  const seenOn = pod ? interfaceFromNetworkStatus(pod, address) : undefined;
  const confirmed = pod !== undefined && seenOn !== undefined;
  const ifName = allocation.ifname ?? seenOn ?? defaultIfName;
  return {
    owner: {
      containerId: allocation.id,
      ifName,
      podNamespace: allocation.namespace,
      podName: allocation.name,
      podUid: confirmed ? pod.uid : "",
      node: confirmed ? pod.nodeName : "",
    },
    ifNameFrom: allocation.ifname ? "ippool" : seenOn ? "network-status" : "default",
  };
}
