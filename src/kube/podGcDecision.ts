import {
  EVENT_SCHEMA_VERSION,
  type Actor,
  type Holding,
  type LedgerState,
  type UnchainedEvent,
} from "../../ledger/core/index.js";

/**
 * The pure half of pod garbage collection: given the pods that exist and the addresses the ledger
 * holds, which addresses belong to pods that are gone. No I/O; the reconciler feeds it a LIST (or
 * a GET) taken after `cutoff` was read.
 */

/** A pod that exists in the apiserver, whatever its phase (Pending, Running, terminating, terminal). */
export interface LivePod {
  readonly uid: string;
  readonly namespace: string;
  readonly name: string;
}

export interface PodGcInput {
  /** Every pod that exists in the scope being checked (all pods, or the GET of one name). */
  readonly livePods: Iterable<LivePod>;
  /** The holdings to check; the caller narrows the scope (see `holdingsOf`). */
  readonly holdings: Iterable<Holding>;
  /**
   * The fold's position (next offset per partition) read BEFORE the pods were listed. Only
   * holdings folded before it are judged: an allocation folded later may belong to a pod created
   * after the LIST began (Whereabouts #207), which the LIST cannot show.
   */
  readonly cutoff: ReadonlyMap<number, number>;
}

export interface PodRelease {
  readonly holding: Holding;
  /** `uid`: the holding records a pod UID no live pod has. `name`: no UID recorded and no pod of that name exists. */
  readonly matchedBy: "uid" | "name";
}

/**
 * Which holdings to release because their pod no longer exists.
 *
 * - A holding that records a pod UID is released only when no live pod has that UID. A pod
 *   re-created under the same name (a StatefulSet) has a new UID, so the old pod's address goes
 *   and the new pod's stays (Whereabouts #176 freed the new one).
 * - A holding without a UID falls back to namespace/name, and is released only when no pod of
 *   that name exists at all.
 * - A holding without a pod name (plain CNI use, no Kubernetes) is never collected here.
 * - A pod that exists keeps its addresses whatever its phase: Pending (#162), terminating (its
 *   containers still run during the grace period) and Succeeded/Failed (its sandbox, and the
 *   address on it, may still exist until the kubelet tears it down with a CNI DEL).
 *
 * @example
 *   decidePodReleases({ livePods: [], holdings: holdingsOf(state), cutoff: runner.position() })
 */
export function decidePodReleases(input: PodGcInput): PodRelease[] {
  const uids = new Set<string>();
  const names = new Set<string>();
  for (const pod of input.livePods) {
    uids.add(pod.uid);
    names.add(podKey(pod.namespace, pod.name));
  }
  const releases: PodRelease[] = [];
  for (const holding of input.holdings) {
    if (!foldedBefore(holding, input.cutoff)) continue;
    const { podUid, podNamespace, podName } = holding.owner;
    if (podUid !== "") {
      if (!uids.has(podUid)) releases.push({ holding, matchedBy: "uid" });
    } else if (podName !== "" && !names.has(podKey(podNamespace, podName))) {
      releases.push({ holding, matchedBy: "name" });
    }
  }
  return releases;
}

function foldedBefore(holding: Holding, cutoff: ReadonlyMap<number, number>): boolean {
  return holding.since.offset < (cutoff.get(holding.since.partition) ?? 0);
}

export function podKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** Every holding of the ledger, optionally only those of one pod (by UID or by namespace/name). */
export function* holdingsOf(
  state: LedgerState,
  pod?: { readonly uid?: string; readonly namespace: string; readonly name: string },
): Generator<Holding> {
  for (const pool of state.pools.values()) {
    for (const holding of pool.byAttachment.values()) {
      const { owner } = holding;
      if (
        pod &&
        !((pod.uid && owner.podUid === pod.uid) || (owner.podNamespace === pod.namespace && owner.podName === pod.name))
      )
        continue;
      yield holding;
    }
  }
}

/**
 * One `AddressReleased` (reason `pod-deleted`) per release. The owner is the holding's own, so the
 * fold matches it by attachment and the event carries the pod UID recorded at allocation; `note`
 * says why, with the UID of the deleted pod when the caller knows it.
 */
export function podReleaseEvents(
  releases: readonly PodRelease[],
  context: {
    readonly now: string;
    readonly actor: Actor;
    readonly eventIds: readonly string[];
    readonly deletedPodUid?: string;
  },
): UnchainedEvent[] {
  return releases.map(({ holding, matchedBy }, index) => {
    const id = context.eventIds[index];
    if (id === undefined) throw new Error("podReleaseEvents needs one event id per release");
    const { owner } = holding;
    const uid = owner.podUid || context.deletedPodUid || "";
    const why =
      matchedBy === "uid"
        ? `no pod with uid ${owner.podUid} exists`
        : `no pod named ${podKey(owner.podNamespace, owner.podName)} exists`;
    return {
      v: EVENT_SCHEMA_VERSION,
      id,
      type: "AddressReleased",
      domain: holding.domain,
      pool: holding.pool,
      at: context.now,
      actor: context.actor,
      data: {
        ip: holding.ip,
        owner,
        reason: "pod-deleted",
        note: `pod ${podKey(owner.podNamespace, owner.podName)}${uid ? ` (uid ${uid})` : ""} was deleted: ${why}`,
      },
    };
  });
}
