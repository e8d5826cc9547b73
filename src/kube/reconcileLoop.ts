import type { KubeConfig } from "@kubernetes/client-node";
import { describeKubeError } from "./kubeClient.js";
import type { PodReconciler, ReconcileReport } from "./reconciler.js";
import { startPodWatch } from "./reconcilePodWatch.js";

/** The structural subset of pino the loop logs through. */
export interface ReconcileLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface ReconcileLoopOptions {
  readonly kubeConfig: KubeConfig;
  readonly reconciler: PodReconciler;
  /** Full relist and sweep every this many ms (informers can stall; deletions can be missed). */
  readonly resyncMs: number;
  readonly logger: ReconcileLogger;
  /** Delay before retrying a failed sweep or restarting a failed watch. Default 5 s. */
  readonly retryMs?: number;
}

/**
 * Runs pod garbage collection until stopped:
 * 1. a pod informer that releases a pod's addresses as soon as its deletion is seen;
 * 2. a sweep at start-up, after the informer is listening, for pods deleted while ipledger was
 *    down (Whereabouts #546), retried until it succeeds;
 * 3. a sweep every `resyncMs`, and a fresh informer when the old one has been silent for two
 *    periods (at least 10 min), because watches can stall without an error.
 *
 * @example
 *   const loop = await startReconcileLoop({ kubeConfig, reconciler, resyncMs: 300_000, logger });
 *   await loop.stop();
 */
export async function startReconcileLoop(options: ReconcileLoopOptions): Promise<{ stop(): Promise<void> }> {
  const { reconciler, logger } = options;
  const retryMs = options.retryMs ?? 5_000;
  const stallMs = Math.max(2 * options.resyncMs, 600_000);
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;

  const logReport = (report: ReconcileReport): void => {
    for (const released of report.released)
      logger.info({ ...released, trigger: report.trigger }, "released the address of a deleted pod");
    if (report.voided > 0)
      logger.info(
        { voided: report.voided, trigger: report.trigger },
        "some releases were voided: the addresses were already released",
      );
  };

  async function sweep(trigger: string): Promise<void> {
    if (stopped) return;
    try {
      logReport(await reconciler.sweep(trigger));
    } catch (error) {
      logger.error({ error: describeKubeError(error), trigger }, `pod sweep failed; retrying in ${retryMs} ms`);
      clearTimeout(retry);
      retry = setTimeout(() => void sweep(trigger), retryMs);
    }
  }

  const watch = startPodWatch(options.kubeConfig, {
    restartDelayMs: retryMs,
    onDeleted: (pod) => {
      reconciler.podDeleted(pod).then(logReport, (error: unknown) => {
        logger.warn(
          { error: describeKubeError(error), pod: `${pod.namespace}/${pod.name}` },
          "releasing a deleted pod's addresses failed; the next sweep retries",
        );
      });
    },
    onRestarted: (why) => {
      logger.warn({ why }, "pod watch restarted; sweeping for deletions it may have missed");
      void sweep("watch-restart");
    },
    onError: (error) =>
      logger.warn({ error: describeKubeError(error) }, `pod watch failed; restarting in ${retryMs} ms`),
  });

  // Sweep once the informer listens, so no deletion falls between the two; a hung apiserver must not block start-up.
  let waited: NodeJS.Timeout | undefined;
  await Promise.race([watch.started, new Promise<void>((resolve) => (waited = setTimeout(resolve, 30_000)))]);
  clearTimeout(waited);
  await sweep("start-up");
  const resync = setInterval(() => {
    if (Date.now() - watch.lastActivityMs() > stallMs)
      watch.restart(`no pod event for ${Math.round(stallMs / 1000)} s`);
    else void sweep("resync");
  }, options.resyncMs);

  return {
    async stop() {
      stopped = true;
      clearInterval(resync);
      clearTimeout(retry);
      await watch.stop();
      await reconciler.idle();
    },
  };
}
