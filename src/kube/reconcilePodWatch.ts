import { CoreV1Api, makeInformer, type KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { summarizePod, type PodSummary } from "./reconcilePodSource.js";

export interface PodWatchOptions {
  /** A pod is gone from the apiserver (watch DELETED, or missing from a relist after 410 Gone). */
  readonly onDeleted: (pod: PodSummary) => void;
  /** The informer was replaced (after an error or a stall): deletions in the gap were not seen. */
  readonly onRestarted?: (why: string) => void;
  readonly onError?: (error: unknown) => void;
  /** Wait before restarting after an error; client-node's examples use 5 s. */
  readonly restartDelayMs?: number;
}

export interface PodWatch {
  /** Settles once the first informer has listed and opened its watch (or failed to, and will retry). */
  readonly started: Promise<void>;
  /** When the informer last showed a sign of life (connect or any pod event), ms since epoch. */
  lastActivityMs(): number;
  /** Replaces the informer with a fresh one (full LIST, new watch). */
  restart(why: string): void;
  stop(): Promise<void>;
}

/**
 * A cluster-wide pod informer that only reports deletions, and restarts itself on error. A
 * restart builds a new informer rather than calling `start()` again, because the old watch's
 * abort fires its error callback later and would tear the new watch down. Informers can also
 * stall silently (client-node #364, #596); the caller detects that with `lastActivityMs` and
 * calls `restart`, and relists on its own schedule anyway.
 *
 * @example
 *   const watch = startPodWatch(kubeConfig, { onDeleted: (pod) => reconciler.podDeleted(pod) });
 *   await watch.stop();
 */
export function startPodWatch(kubeConfig: KubeConfig, options: PodWatchOptions): PodWatch {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const restartDelayMs = options.restartDelayMs ?? 5_000;
  let generation = 0;
  let stopped = false;
  let lastActivity = Date.now();
  let timer: NodeJS.Timeout | undefined;
  let current: ReturnType<typeof makeInformer<V1Pod>> | undefined;

  function launch(): Promise<void> {
    const mine = ++generation;
    const informer = makeInformer<V1Pod>(kubeConfig, "/api/v1/pods", () => core.listPodForAllNamespaces());
    const live = (): boolean => !stopped && mine === generation;
    const touch = (): void => {
      if (live()) lastActivity = Date.now();
    };
    informer.on("connect", touch);
    informer.on("add", touch);
    informer.on("update", touch);
    informer.on("delete", (pod) => {
      if (!live()) return;
      touch();
      options.onDeleted(summarizePod(pod));
    });
    informer.on("error", (error: unknown) => {
      if (!live()) return;
      options.onError?.(error);
      clearTimeout(timer);
      timer = setTimeout(() => replace("the pod watch failed"), restartDelayMs);
    });
    current = informer;
    return informer.start().catch((error: unknown) => {
      if (live()) options.onError?.(error);
    });
  }

  function replace(why: string): void {
    if (stopped) return;
    clearTimeout(timer);
    const old = current;
    // Report once the new informer listens, so the caller's catch-up sweep leaves no gap behind it.
    void launch().then(() => options.onRestarted?.(why));
    void old?.stop().catch(() => undefined);
  }

  const started = launch();
  return {
    started,
    lastActivityMs: () => lastActivity,
    restart: replace,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current?.stop();
    },
  };
}
