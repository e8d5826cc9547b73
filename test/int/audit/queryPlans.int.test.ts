import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteProjection, type SqliteProjection } from "../../../projections/sqlite/sqliteProjection.js";
import { createQueries, type Queries } from "../../../projections/sqlite/queries.js";

/**
 * The audit queries stay index-backed: SQLite's own plan for every statement they run says which
 * index it searches. A plan that scans a whole table fails here before it is slow in production.
 */
let dir: string;
let projection: SqliteProjection;
let recorded: { sql: string; plan: string }[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "ipledger-plans-"));
  projection = openSqliteProjection(join(dir, "projection.db"));
  const db = projection.db;
  // Two tenancies a long time apart, so a recent time window is read from the end.
  const insert =
    db.prepare(`INSERT INTO tenancies (domain, pool, ip, ip_blob, family, container_id, if_name, pod_namespace, pod_name, pod_uid, node, requested, from_partition, from_offset, from_at, from_ms, to_ms)
    VALUES ('', 'p', '10.0.0.1', zeroblob(16), 4, 'c', 'net1', 'ns', 'n', 'u', 'node', 0, 0, ?, '', ?, ?)`);
  insert.run(0, 0, 10);
  insert.run(1, 1_000_000_000, null);
  const prepare = db.prepare.bind(db);
  (db as unknown as { prepare: (sql: string) => unknown }).prepare = (sql: string) => {
    const statement = prepare(sql);
    if (/^\s*SELECT/i.test(sql)) {
      const params = Array((sql.match(/\?/g) ?? []).length).fill(null);
      const plan = (prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[])
        .map((row) => row.detail)
        .join(" | ");
      recorded.push({ sql, plan });
    }
    return statement;
  };
});
afterAll(() => {
  projection.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The plans of the statements whose SQL matches `pattern`, prepared while `run` ran on a fresh set of queries. */
function plansOf(run: (queries: Queries) => void, pattern: RegExp): string[] {
  recorded = [];
  run(createQueries(projection.db));
  return recorded.filter(({ sql }) => pattern.test(sql)).map(({ plan }) => plan);
}

describe("audit query plans", () => {
  it("who <ip> --at and who <cidr> are covering-index seeks on tenancies_at; holders are fetched by row id", () => {
    const plans = plansOf((q) => {
      q.holdersAt("10.0.0.1", 5);
      q.holdersInCidr("10.0.0.0/16", 5, { limit: 10 });
    }, /FROM tenancies INDEXED BY tenancies_at|WHERE t\.id = \?/);
    expect(plans).toHaveLength(7);
    for (const plan of plans)
      expect(plan).toMatch(
        /^SEARCH (tenancies USING COVERING INDEX tenancies_at \(\(?ip_blob|t USING INTEGER PRIMARY KEY)/,
      );
  });

  it.each([
    ["ip", { ip: "10.0.0.1" }, "tenancies_by_ip"],
    ["cidr", { cidr: "10.0.0.0/16" }, "tenancies_by_ip"],
    ["pod", { pod: { namespace: "a", name: "b" } }, "tenancies_by_pod"],
    ["pod uid", { podUid: "u" }, "tenancies_by_pod_uid"],
    ["container", { containerId: "c" }, "tenancies_by_container"],
    ["node", { node: "n" }, "tenancies_by_node"],
    ["pool", { pool: "p" }, "tenancies_by_pool"],
    ["an old window", { sinceMs: 1, untilMs: 5 }, "tenancies_by_start"],
    ["a recent window", { sinceMs: 999_999_000 }, "tenancies_by_end"],
  ] as const)("history by %s searches %s", (_name, filter, index) => {
    const [plan] = plansOf((q) => q.tenancyPage(filter, { limit: 10 }), /ORDER BY \+?t\.from_ms/);
    expect(plan).toMatch(new RegExp(`SEARCH (t|tenancies) USING (COVERING )?INDEX ${index} `));
    expect(plan).not.toMatch(/SCAN t\b/);
  });

  it("changes in a window is a range of events_by_time_position", () => {
    const [plan] = plansOf(
      (q) => q.eventPage({ sinceMs: 1, untilMs: 5, ip: "10.0.0.1" }, { limit: 10 }),
      /FROM events e/,
    );
    expect(plan).toMatch(/^SEARCH e USING INDEX events_by_time_position \(effective_ms>\? AND effective_ms<\?\)/);
  });

  it("pool-state reads the definition and reservations through their indexes", () => {
    const plans = plansOf(() => undefined, /FROM (pools|reservations)\s/);
    expect(plans.length).toBe(4);
    for (const plan of plans) expect(plan).toMatch(/SEARCH (pools|reservations) USING (COVERING )?INDEX/);
  });
});
