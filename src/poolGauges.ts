import type { ProjectionRunner } from "../projections/runner.js";
import type { Metrics } from "./metrics.js";

/** Keeps the per-pool used/free gauges current; computed from the fold, never by scanning a range. */
export function watchPoolGauges(runner: ProjectionRunner, metrics: Metrics): () => void {
  const update = (): void => {
    for (const pool of runner.state.pools.values()) {
      const { window, excludes } = pool.window;
      const size = window.to - window.from + 1n;
      let excluded = 0n;
      for (const interval of excludes) {
        const from = interval.from > window.from ? interval.from : window.from;
        const to = interval.to < window.to ? interval.to : window.to;
        if (to >= from) excluded += to - from + 1n;
      }
      const used = pool.byAttachment.size;
      const free = size - excluded - BigInt(used);
      metrics.poolUsed.labels(pool.name, pool.domain).set(used);
      metrics.poolFree.labels(pool.name, pool.domain).set(Number(free > 0n ? free : 0n));
    }
  };
  update();
  return runner.onApplied(update);
}
