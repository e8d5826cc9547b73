import type Database from "better-sqlite3";
import { LedgerError } from "../../ledger/core/index.js";
import type { Holder } from "../../projections/sqlite/tenancyRows.js";

/** Which holders an allow-list covers; exactly one of `pool`, `network`, `namespace`. */
export interface AllowlistSelector {
  readonly pool?: string;
  /** The pools' `network_name` (the allocation domain of the CNI config). */
  readonly network?: string;
  readonly namespace?: string;
}

/** One holder of an allowed address. */
export type AllowHolder = Pick<Holder, "ip" | "pool" | "domain" | "podNamespace" | "podName" | "podUid" | "node">;

const COLUMNS = `x.ip, x.pool, x.domain, x.pod_namespace AS podNamespace, x.pod_name AS podName, x.pod_uid AS podUid, x.node`;

/**
 * The allow-list's questions to the SQLite projection. "Now" reads the current allocations;
 * `atMs` reads the ownership intervals with exactly the predicate `who --at` uses
 * (`from_ms <= T < to_ms`, effective times), so the two always agree.
 *
 * @example createAllowlistQueries(db).holders({ pool: "10.20.0.0-24" }, Date.parse("2026-11-20T03:00:00Z"))
 */
export function createAllowlistQueries(db: Database.Database) {
  const poolExists = db.prepare("SELECT 1 FROM pools WHERE pool = ? LIMIT 1");
  const networkExists = db.prepare("SELECT 1 FROM pools WHERE network_name = ? LIMIT 1");
  const basis = db.prepare("SELECT partition, next_offset AS nextOffset FROM checkpoints ORDER BY partition");
  return {
    /** Holders selected by `selector`, lowest address first; UNKNOWN_POOL for a pool or network the ledger never saw. */
    holders(selector: AllowlistSelector, atMs?: number): AllowHolder[] {
      const clauses: string[] = [];
      const params: Record<string, unknown> = {};
      if (selector.pool !== undefined) {
        if (!poolExists.get(selector.pool))
          throw new LedgerError(
            "UNKNOWN_POOL",
            `the ledger has no pool ${JSON.stringify(selector.pool)}; see "ipledger pools"`,
            { key: "pool" },
          );
        clauses.push("x.pool = @pool");
        params.pool = selector.pool;
      }
      if (selector.network !== undefined) {
        if (!networkExists.get(selector.network))
          throw new LedgerError(
            "UNKNOWN_POOL",
            `no pool of the ledger has network_name ${JSON.stringify(selector.network)}; see "ipledger pools"`,
            { key: "network" },
          );
        clauses.push(
          "EXISTS (SELECT 1 FROM pools p WHERE p.domain = x.domain AND p.pool = x.pool AND p.network_name = @network)",
        );
        params.network = selector.network;
      }
      if (selector.namespace !== undefined) {
        clauses.push("x.pod_namespace = @namespace");
        params.namespace = selector.namespace;
      }
      if (atMs !== undefined) {
        clauses.push("x.from_ms <= @at AND (x.to_ms IS NULL OR x.to_ms > @at)");
        params.at = atMs;
      }
      const table = atMs === undefined ? "allocations" : "tenancies";
      const where = clauses.length > 0 ? `WHERE ${clauses.join(" AND ")}` : "";
      return db
        .prepare(`SELECT ${COLUMNS} FROM ${table} x ${where} ORDER BY x.ip_blob, x.domain`)
        .all(params) as AllowHolder[];
    },
    /** The log positions the projection reflects. */
    basis(): Record<string, number> {
      return Object.fromEntries(
        (basis.all() as { partition: number; nextOffset: number }[]).map((row) => [
          String(row.partition),
          row.nextOffset,
        ]),
      );
    },
  };
}

export type AllowlistQueries = ReturnType<typeof createAllowlistQueries>;
