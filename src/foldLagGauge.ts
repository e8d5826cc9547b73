import type { EventLog } from "../ledger/log/eventLog.js";
import type { ProjectionRunner } from "../projections/runner.js";
import type { Metrics } from "./metrics.js";

/**
 * Samples how many events the log holds that the fold has not applied yet, every `intervalMs`,
 * for `ipledger_fold_lag_events` (the projection-lag alert). A log that cannot answer leaves the
 * last value in place: the readiness probe reports that case.
 */
export function watchFoldLag(
  log: EventLog,
  runner: ProjectionRunner,
  metrics: Metrics,
  intervalMs = 5_000,
): () => void {
  const sample = async (): Promise<void> => {
    const ends = await log.endOffsets();
    const applied = runner.position();
    let lag = 0;
    for (const [partition, end] of ends) lag += Math.max(0, end - (applied.get(partition) ?? 0));
    metrics.foldLag.set(lag);
  };
  const timer = setInterval(() => void sample().catch(() => undefined), intervalMs);
  timer.unref();
  void sample().catch(() => undefined);
  return () => clearInterval(timer);
}
