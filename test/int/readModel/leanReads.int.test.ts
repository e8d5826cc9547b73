import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteEventLog } from "../../../ledger/log/sqliteEventLog.js";
import { checkInvariants } from "../../../projections/invariants.js";
import { replayLog } from "../../../projections/replay.js";
import type { AuditFilter } from "../../../projections/sqlite/auditFilters.js";
import { openSqliteProjection } from "../../../projections/sqlite/sqliteProjection.js";
import type { Holder } from "../../../projections/sqlite/tenancyRows.js";
import { generateChurn } from "../../../src/generate/churnGenerator.js";
import { spanOf } from "../../../src/console/timeline.js";
import { prepareLeanReads, type LeanReads } from "../../../src/readModel/leanReads.js";
import { openProjectionSnapshot, type ProjectionSnapshot } from "../../../src/readModel/projectionSnapshot.js";

/**
 * The console's lean reads against the whole-row queries they replace, on a generated churn
 * history (real decider, real SQLite log, bulk replay into a real projection file): the same
 * pool state (counts, definition, reservations, holders in order), the same tenancies in the
 * same order, at instants spread over the history.
 */
describe("lean reads answer as the whole-row queries do", () => {
  let dir: string;
  let snapshot: ProjectionSnapshot;
  let lean: LeanReads;
  let instants: number[];
  let pools: { pool: string; domain: string }[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ipledger-lean-reads-"));
    const log = openSqliteEventLog({ path: join(dir, "ledger.db") });
    const projection = openSqliteProjection(join(dir, "projection.db"));
    try {
      await generateChurn(log, { events: 4_000, pools: 6, seed: 16 });
      await replayLog(log, projection);
      expect(checkInvariants(projection.db)).toEqual([]);
    } finally {
      projection.close();
      await log.close();
    }
    snapshot = openProjectionSnapshot(join(dir, "projection.db"));
    lean = prepareLeanReads(snapshot.db);
    const { first, last } = snapshot.db
      .prepare("SELECT MIN(from_ms) AS first, MAX(COALESCE(to_ms, from_ms)) AS last FROM tenancies")
      .get() as { first: number; last: number };
    // Before anything, inside the history (a cooldown-sized step apart), at its end and after it.
    instants = [
      first - 1,
      first,
      ...[0.1, 0.25, 0.5, 0.5 + 1e-5, 0.75, 0.9].map((f) => Math.round(first + (last - first) * f)),
      last,
      last + 3_600_000,
    ];
    pools = snapshot.db.prepare("SELECT DISTINCT pool, domain FROM pools ORDER BY pool, domain").all() as typeof pools;
  }, 180_000);

  afterAll(() => {
    snapshot?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const outcome = <T>(read: () => T): { value: T } | { code: string; message: string } => {
    try {
      return { value: read() };
    } catch (error) {
      return { code: (error as { code: string }).code, message: (error as Error).message };
    }
  };
  const cellsOf = (holders: readonly Pick<Holder, "ip" | "pool">[]) => holders.map(({ ip, pool }) => ({ ip, pool }));

  it("given each generated pool at each instant, when read as cells, then the counts, definition, reservations and holders equal poolState's", () => {
    expect(pools.length).toBeGreaterThanOrEqual(6);
    let compared = 0;
    for (const { pool, domain } of pools) {
      for (const atMs of instants) {
        const old = outcome(() => snapshot.queries.poolState(pool, atMs, domain));
        const cells = outcome(() => lean.poolCells(pool, atMs, domain));
        if (!("value" in old)) {
          expect(cells).toEqual(old);
          continue;
        }
        if (!("value" in cells)) throw new Error(`lean read failed where poolState answered: ${cells.message}`);
        const { holders, otherPools, ...rest } = old.value;
        const { holders: heldCells, otherPools: otherCells, ...leanRest } = cells.value;
        expect(leanRest).toEqual(rest);
        expect(cellsOf(heldCells)).toEqual(cellsOf(holders));
        expect(cellsOf(otherCells)).toEqual(cellsOf(otherPools));
        // The rows a table page shows, read whole by id, are poolState's own.
        expect(lean.holders(heldCells.map((cell) => cell.id))).toEqual(holders);
        compared += holders.length;
      }
    }
    expect(compared).toBeGreaterThan(100);
  });

  it("given a pool named without its domain, or never defined, when read as cells, then the same answer or error as poolState", () => {
    for (const pool of [...new Set(pools.map((p) => p.pool))].slice(0, 3).concat("10.99.0.0-24")) {
      const atMs = instants[4] as number;
      const old = outcome(() => cellsOf(snapshot.queries.poolState(pool, atMs).holders));
      const cells = outcome(() => cellsOf(lean.poolCells(pool, atMs).holders));
      expect(cells).toEqual(old);
    }
  });

  const everyPage = (filter: AuditFilter): Holder[] => {
    const rows: Holder[] = [];
    for (let page = snapshot.queries.tenancyPage(filter, { limit: 500 }); ;) {
      rows.push(...page.rows);
      if (page.next === null) return rows;
      page = snapshot.queries.tenancyPage(filter, { limit: 500, after: page.next });
    }
  };

  it("given filters by pool, domain, address and window, when read as spans, then the tenancies and their order equal tenancyPage's", () => {
    const busiest = snapshot.db
      .prepare("SELECT ip FROM tenancies GROUP BY ip_blob ORDER BY COUNT(*) DESC, ip LIMIT 3")
      .pluck()
      .all() as string[];
    const filters: AuditFilter[] = [
      ...pools.slice(0, 4).map(({ pool }) => ({ pool })),
      ...pools.slice(0, 2).map(({ pool, domain }) => ({ pool, domain })),
      ...busiest.map((ip) => ({ ip })),
      ...busiest.map((ip) => ({ ip, sinceMs: instants[3] as number, untilMs: instants[5] as number })),
    ];
    for (const filter of filters) {
      const old = everyPage(filter);
      const spans = lean.spans(filter);
      expect(spans.map(({ id: _id, ...span }) => span)).toEqual(old.map(spanOf).map(({ id: _id, ...span }) => span));
      expect(lean.holders(spans.slice(0, 100).map((span) => span.id))).toEqual(old.slice(0, 100));
    }
    expect(everyPage({ ip: busiest[0] as string }).length).toBeGreaterThan(3);
  });
});
