import { formatCidr, poolNameOf, type PoolRecord } from "../../ledger/core/index.js";
import type { PoolPosition, PoolPositions } from "./poolPositions.js";

/**
 * The pure half of the Kubernetes projection: pool state in, Whereabouts-shaped IPPool objects
 * out (`whereabouts.cni.cncf.io/v1alpha1`). Same input, same objects, so the applier can compare
 * what it wants with what the apiserver holds and write only on a difference.
 */

export const IPPOOL_GROUP = "whereabouts.cni.cncf.io";
export const IPPOOL_VERSION = "v1alpha1";
export const IPPOOL_PLURAL = "ippools";
export const IPPOOL_API_VERSION = `${IPPOOL_GROUP}/${IPPOOL_VERSION}`;

/** `app.kubernetes.io/managed-by: ipledger` marks the IPPools ipledger projects. */
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY_VALUE = "ipledger";
/** Prefix of every annotation the projection owns; the applier restores them on drift. */
export const ANNOTATION_PREFIX = "ipledger.io/";
/**
 * `"<partition>:<offset>"` (comma-separated when pools of several domains share the name): the
 * last log event that changed this pool. The object reflects the log up to and including it.
 */
export const LOG_POSITION_ANNOTATION = "ipledger.io/log-position";
/** How many held addresses the object leaves out because their offset is ≥ 2^63. */
export const OMITTED_ANNOTATION = "ipledger.io/omitted-allocations";

/** Whereabouts readers parse allocation keys as int64: larger offsets cannot be represented. */
export const MAX_READABLE_OFFSET = (1n << 63n) - 1n;

export interface IPAllocation {
  readonly id: string;
  readonly podref: string;
  readonly ifname: string;
}

export interface IPPoolObject {
  readonly apiVersion: typeof IPPOOL_API_VERSION;
  readonly kind: "IPPool";
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
  };
  readonly spec: {
    readonly range: string;
    /** Decimal offset from the network address of `range` → owner. */
    readonly allocations: Readonly<Record<string, IPAllocation>>;
  };
}

/** The IPPool name of a pool record: Whereabouts' name for its range and network name. */
export function ippoolNameOf(pool: Pick<PoolRecord, "window" | "definition">): string {
  return poolNameOf(pool.window.cidr, pool.definition.networkName);
}

/**
 * The IPPool object of the pools that share `name` (normally one; several only when pools of
 * different allocation domains have the same range and network name). Allocations are keyed by
 * the decimal offset from the network address; offsets ≥ 2^63 are left out and counted in
 * `ipledger.io/omitted-allocations`.
 *
 * @example
 *   ippoolObject("10.0.0.0-24", [state.pools.get(key)], positions, "kube-system").spec.allocations
 *   // { "1": { id: "c1", podref: "default/web-0", ifname: "net1" } }
 */
export function ippoolObject(
  name: string,
  pools: readonly PoolRecord[],
  positions: PoolPositions,
  namespace: string,
): IPPoolObject {
  const ordered = [...pools].sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0));
  const first = ordered[0];
  if (!first) throw new Error(`ippoolObject(${name}) needs at least one pool`);
  const network = first.window.cidr.network;
  const offsets = new Map<bigint, IPAllocation>();
  let omitted = 0;
  for (const pool of ordered) {
    for (const holding of pool.byAttachment.values()) {
      const offset = holding.value - network;
      if (offset < 0n || offset > MAX_READABLE_OFFSET) {
        omitted += 1;
        continue;
      }
      // Two domains can hold the same address (they are checked apart); the first domain wins.
      if (offsets.has(offset)) continue;
      const { owner } = holding;
      offsets.set(offset, {
        id: owner.containerId,
        podref: `${owner.podNamespace}/${owner.podName}`,
        ifname: owner.ifName,
      });
    }
  }
  const allocations: Record<string, IPAllocation> = {};
  for (const offset of [...offsets.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    allocations[offset.toString()] = offsets.get(offset) as IPAllocation;
  }
  const annotations: Record<string, string> = {};
  const position = formatPositions(ordered.map((pool) => positions.get(pool.key)));
  if (position !== "") annotations[LOG_POSITION_ANNOTATION] = position;
  if (omitted > 0) annotations[OMITTED_ANNOTATION] = String(omitted);
  return {
    apiVersion: IPPOOL_API_VERSION,
    kind: "IPPool",
    metadata: { name, namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE }, annotations },
    spec: { range: formatCidr(first.window.cidr), allocations },
  };
}

/** Groups pool records by IPPool name. */
export function poolsByName(pools: Iterable<PoolRecord>): Map<string, PoolRecord[]> {
  const byName = new Map<string, PoolRecord[]>();
  for (const pool of pools) {
    const name = ippoolNameOf(pool);
    const group = byName.get(name);
    if (group) group.push(pool);
    else byName.set(name, [pool]);
  }
  return byName;
}

/**
 * Every IPPool object of the state's pools, sorted by name.
 *
 * @example
 *   ippoolObjects(runner.state.pools.values(), positions, "kube-system")
 */
export function ippoolObjects(
  pools: Iterable<PoolRecord>,
  positions: PoolPositions,
  namespace: string,
): IPPoolObject[] {
  return [...poolsByName(pools)]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, group]) => ippoolObject(name, group, positions, namespace));
}

function formatPositions(positions: readonly (PoolPosition | undefined)[]): string {
  const byPartition = new Map<number, number>();
  for (const position of positions) {
    if (!position) continue;
    byPartition.set(position.partition, Math.max(position.offset, byPartition.get(position.partition) ?? -1));
  }
  return [...byPartition]
    .sort(([a], [b]) => a - b)
    .map(([partition, offset]) => `${partition}:${offset}`)
    .join(",");
}
