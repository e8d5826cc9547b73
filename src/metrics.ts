import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * The agent's Prometheus metrics. One registry per agent so tests can build several apps in one
 * process without clashing.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "ipledger_process_" });
  return {
    registry,
    allocations: new Counter({
      name: "ipledger_allocations_total",
      help: "Addresses allocated (accepted claims)",
      registers: [registry],
    }),
    releases: new Counter({ name: "ipledger_releases_total", help: "Addresses released", registers: [registry] }),
    voided: new Counter({
      name: "ipledger_voided_claims_total",
      help: "Claims voided by the fold (lost a race, held, reserved…)",
      registers: [registry],
    }),
    poolUsed: new Gauge({
      name: "ipledger_pool_used_addresses",
      help: "Addresses held per pool",
      labelNames: ["pool", "domain"],
      registers: [registry],
    }),
    poolFree: new Gauge({
      name: "ipledger_pool_free_addresses",
      help: "Free addresses per pool window (excluding exclusions)",
      labelNames: ["pool", "domain"],
      registers: [registry],
    }),
    requestSeconds: new Histogram({
      name: "ipledger_request_duration_seconds",
      help: "Agent request latency",
      labelNames: ["route", "status"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    clockSkewEvents: new Counter({
      name: "ipledger_clock_skew_events_total",
      help: "Folded events whose writer's clock was ahead of this agent's by more than the warning threshold, by writer node",
      labelNames: ["writer"],
      registers: [registry],
    }),
    foldLag: new Gauge({
      name: "ipledger_fold_lag_events",
      help: "Events in the log not yet folded",
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
