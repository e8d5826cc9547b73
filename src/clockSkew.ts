import type { ProjectionRunner } from "../projections/runner.js";
import type { Metrics } from "./metrics.js";
import type { ServiceLogger } from "./cni/cniService.js";

/** An event stamped more than this far ahead of the agent's clock is reported. */
export const DEFAULT_CLOCK_SKEW_WARN_MS = 60_000;

/**
 * Watches folded events for writers whose clock runs ahead of this agent's: each event whose
 * `at` lies more than `thresholdMs` in the future is counted (`ipledger_clock_skew_events_total`,
 * by writer node) and logged as a warning. Detection lives here, beside the runner, because the
 * fold must stay pure: `evolve` never reads a clock. Effective times already never go backwards,
 * so a fast writer only pushes them ahead; this makes that visible. Only events folded after the
 * call are checked, so a restart does not report the old ones again.
 *
 * @example
 *   const stop = watchClockSkew(runner, metrics, logger, { thresholdMs: 60_000 });
 */
export function watchClockSkew(
  runner: ProjectionRunner,
  metrics: Metrics,
  logger: Pick<ServiceLogger, "warn"> | undefined,
  options: { thresholdMs?: number; now?: () => number } = {},
): () => void {
  const thresholdMs = options.thresholdMs ?? DEFAULT_CLOCK_SKEW_WARN_MS;
  const now = options.now ?? Date.now;
  return runner.onApplied((applied) => {
    const nowMs = now();
    for (const { logged } of applied) {
      const { event } = logged;
      const aheadMs = Date.parse(event.at) - nowMs;
      if (!(aheadMs > thresholdMs)) continue;
      metrics.clockSkewEvents.labels(event.actor.node).inc();
      logger?.warn(
        {
          eventId: event.id,
          type: event.type,
          at: event.at,
          writer: event.actor.node,
          aheadSeconds: Math.round(aheadMs / 1000),
          partition: logged.partition,
          offset: logged.offset,
        },
        `event written ${Math.round(aheadMs / 1000)} s ahead of this agent's clock by node ${event.actor.node}; check NTP on that node (effective times move ahead with it)`,
      );
    }
  });
}
