import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createMetrics } from "../../../src/metrics.js";
import { DEPLOY_DIR, field, loadManifestFile } from "../../support/deploy/deployManifests.js";

// The alerts and the dashboard only query series that exist: ipledger's own metrics (from the
// agent's registry), kube-state-metrics' readiness, and Prometheus' `up`. PromQL itself cannot be
// checked here (no promtool); the apiserver test validates the PrometheusRule's structure.

const registry = createMetrics().registry;
const OWN = new Map(
  registry.getMetricsAsArray().map((metric) => [metric.name, (metric as unknown as { type: string }).type]),
);
const EXTERNAL = new Set(["up", "kube_pod_container_status_ready"]);
const ROUTES = readFileSync(join(DEPLOY_DIR, "..", "src/http/cniRoutes.ts"), "utf8");

/** Every series name an expression selects, with the histogram suffixes mapped to the histogram. */
function seriesOf(expr: string): string[] {
  const names =
    expr.match(/\b(ipledger_[a-z_]+|kube_[a-z_]+|up)\b(?=\s*[{[)]|\s*$|\s*[=><!*/+-]|\s+(and|or|offset))/g) ?? [];
  return names.map((name) => {
    const base = name.replace(/_(bucket|sum|count)$/, "");
    return OWN.get(base) === "histogram" ? base : name;
  });
}

function expectKnown(expr: string): void {
  const series = seriesOf(expr);
  expect(series.length, expr).toBeGreaterThan(0);
  for (const name of series) expect(OWN.has(name) || EXTERNAL.has(name), `${name} in ${expr}`).toBe(true);
  for (const route of expr.match(/route="([^"]+)"/g) ?? []) expect(ROUTES, route).toContain(`"${route.slice(7, -1)}"`);
}

const rules = field<
  {
    name: string;
    rules: {
      alert: string;
      expr: string;
      for: string;
      labels: { severity: string };
      annotations: Record<string, string>;
    }[];
  }[]
>(loadManifestFile("monitoring/prometheus-rule.yaml")[0]?.object, "spec.groups").flatMap((group) => group.rules);

describe("deploy/monitoring", () => {
  it("alerts on a nearly full pool, a spike in voided claims, projection lag and an agent that is not ready", () => {
    expect(rules.map((rule) => rule.alert)).toEqual(
      expect.arrayContaining([
        "IpledgerPoolAlmostFull",
        "IpledgerVoidedClaimsSpike",
        "IpledgerProjectionLag",
        "IpledgerAgentNotReady",
      ]),
    );
    const full = rules.find((rule) => rule.alert === "IpledgerPoolAlmostFull");
    expect(full?.expr).toMatch(/ipledger_pool_used_addresses[\s\S]*ipledger_pool_free_addresses[\s\S]*>= 0\.9/);
  });

  it.each(rules)("$alert: queries known series, has a duration, a severity and a summary", (rule) => {
    expectKnown(rule.expr);
    expect(rule.for).toMatch(/^\d+[smh]$/);
    expect(["warning", "critical"]).toContain(rule.labels.severity);
    expect(rule.annotations.summary).toBeTruthy();
  });

  const dashboard = JSON.parse(
    readFileSync(join(DEPLOY_DIR, "monitoring/grafana/ipledger-dashboard.json"), "utf8"),
  ) as {
    uid: string;
    templating: { list: { name: string; type: string }[] };
    panels: { id: number; title: string; datasource: { uid: string }; targets: { expr: string }[] }[];
  };

  it("the Grafana dashboard has unique panel ids and asks for its Prometheus data source on import", () => {
    expect(dashboard.uid).toBe("ipledger-overview");
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: "datasource", type: "datasource" }),
    );
    expect(new Set(dashboard.panels.map((panel) => panel.id)).size).toBe(dashboard.panels.length);
  });

  it.each(dashboard.panels.map((panel) => ({ title: panel.title, panel })))(
    "dashboard panel $title queries known series through the chosen data source",
    ({ panel }) => {
      expect(panel.datasource.uid).toBe("${datasource}");
      for (const target of panel.targets) expectKnown(target.expr);
    },
  );

  it("covers every metric the agent exports (but the process defaults)", () => {
    const queried = new Set(
      [
        ...rules.map((rule) => rule.expr),
        ...dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr)),
      ].flatMap(seriesOf),
    );
    const exported = [...OWN.keys()].filter(
      (name) => !name.startsWith("ipledger_process_") && !name.startsWith("ipledger_nodejs_"),
    );
    expect(exported.filter((name) => !queried.has(name))).toEqual([]);
  });
});
