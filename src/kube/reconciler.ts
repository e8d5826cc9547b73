import { randomUUID } from "node:crypto";
import type { Actor, Holding } from "../../ledger/core/index.js";
import type { EventLog } from "../../ledger/log/eventLog.js";
import type { ProjectionRunner } from "../../projections/runner.js";
import { appendAndWait } from "../cni/appendAndWait.js";
import type { PodEventRecorder } from "./kubeEvents.js";
import { decidePodReleases, holdingsOf, podKey, podReleaseEvents, type PodRelease } from "./podGcDecision.js";
import type { PodSource, PodSummary } from "./reconcilePodSource.js";

/** The Event reason on a pod whose addresses the reconciler released. */
export const RELEASED_EVENT_REASON = "IPAddressReleased";

export interface ReconcilerDeps {
  readonly log: EventLog;
  /** Folds the same log; its live state is what the reconciler judges. */
  readonly runner: ProjectionRunner;
  readonly pods: PodSource;
  readonly events: PodEventRecorder;
  readonly actor: Actor;
  readonly appendTimeoutMs?: number;
  readonly now?: () => Date;
  readonly newId?: () => string;
}

/** One released address, as reported to logs and tests. */
export interface ReleasedAddress {
  readonly pool: string;
  readonly ip: string;
  readonly pod: string;
  readonly podUid: string;
  readonly matchedBy: PodRelease["matchedBy"];
}

export interface ReconcileReport {
  readonly trigger: string;
  readonly released: readonly ReleasedAddress[];
  /** Releases the fold voided: someone (a CNI DEL) released the address first. */
  readonly voided: number;
}

/**
 * Releases the addresses of deleted pods. Every pass is serialised, so a sweep and a deletion
 * never decide on the same holding at once, and each waits for its releases to be folded before
 * the next pass reads the state.
 *
 * @example
 *   const reconciler = createPodReconciler({ log, runner, pods, events, actor });
 *   await reconciler.sweep("start-up"); // pods deleted while ipledger was down (Whereabouts #546)
 */
export function createPodReconciler(deps: ReconcilerDeps) {
  const now = deps.now ?? (() => new Date());
  const newId = deps.newId ?? randomUUID;
  let chain: Promise<unknown> = Promise.resolve();

  function serial<T>(pass: () => Promise<T>): Promise<T> {
    const result = chain.then(pass, pass);
    chain = result.catch(() => undefined);
    return result;
  }

  async function release(
    trigger: string,
    releases: readonly PodRelease[],
    deletedPodUid?: string,
  ): Promise<ReconcileReport> {
    if (releases.length === 0) return { trigger, released: [], voided: 0 };
    const events = podReleaseEvents(releases, {
      now: now().toISOString(),
      actor: deps.actor,
      eventIds: releases.map(() => newId()),
      ...(deletedPodUid ? { deletedPodUid } : {}),
    });
    const outcomes = await appendAndWait(deps.log, deps.runner, events, deps.appendTimeoutMs ?? 10_000);
    const done = releases.filter((_, index) => outcomes.get(events[index]?.id ?? "")?.status === "accepted");
    await announce(done, deletedPodUid);
    const released = done.map(({ holding, matchedBy }) => ({
      pool: holding.pool,
      ip: holding.ip,
      pod: podKey(holding.owner.podNamespace, holding.owner.podName),
      podUid: holding.owner.podUid || deletedPodUid || "",
      matchedBy,
    }));
    return { trigger, released, voided: releases.length - done.length };
  }

  /** One Event per pod, naming every address released for it. Best effort. */
  async function announce(done: readonly PodRelease[], deletedPodUid?: string): Promise<void> {
    const byPod = new Map<string, Holding[]>();
    for (const { holding } of done) {
      const key = `${podKey(holding.owner.podNamespace, holding.owner.podName)}\u0000${holding.owner.podUid}`;
      byPod.set(key, [...(byPod.get(key) ?? []), holding]);
    }
    await Promise.all(
      [...byPod.values()].map((holdings) => {
        const { owner } = holdings[0] as Holding;
        const list = holdings
          .map((holding) => `${holding.ip} (pool ${holding.pool}, interface ${holding.owner.ifName})`)
          .join(", ");
        return deps.events.podEvent(
          { namespace: owner.podNamespace, name: owner.podName, uid: owner.podUid || deletedPodUid || "" },
          { reason: RELEASED_EVENT_REASON, message: `ipledger released ${list}: the pod no longer exists` },
        );
      }),
    );
  }

  return {
    /** Resolves once no pass is running or queued (for a clean shutdown). */
    async idle(): Promise<void> {
      await chain;
    },
    /** Lists every pod and releases what pods that no longer exist still hold. */
    sweep(trigger: string): Promise<ReconcileReport> {
      return serial(async () => {
        const cutoff = deps.runner.position(); // before the LIST: see PodGcInput.cutoff
        const livePods = await deps.pods.listPods();
        return release(trigger, decidePodReleases({ livePods, holdings: holdingsOf(deps.runner.state), cutoff }));
      });
    },
    /**
     * A pod is gone: releases what it held. Holdings of that UID go; holdings of its name go only
     * if a GET shows no pod of that name now (a re-created pod keeps its addresses).
     */
    podDeleted(pod: PodSummary): Promise<ReconcileReport> {
      return serial(async () => {
        const cutoff = deps.runner.position();
        const holdings = [...holdingsOf(deps.runner.state, pod)];
        if (holdings.length === 0) return { trigger: "pod-deleted", released: [], voided: 0 };
        const current = await deps.pods.getPod(pod.namespace, pod.name);
        return release(
          "pod-deleted",
          decidePodReleases({ livePods: current ? [current] : [], holdings, cutoff }),
          pod.uid,
        );
      });
    },
  };
}

export type PodReconciler = ReturnType<typeof createPodReconciler>;
