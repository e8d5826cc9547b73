import type Database from "better-sqlite3";
import { tenancyWhere, whereSql, type AuditFilter } from "../../projections/sqlite/auditFilters.js";
import { preparePointInTime } from "../../projections/sqlite/pointInTime.js";
import { preparePoolState, type PoolState } from "../../projections/sqlite/poolState.js";
import { HOLDER_SELECT, toHolder, type Holder, type HolderRow } from "../../projections/sqlite/tenancyRows.js";

/** A tenancy as a drawing needs it: bounds, lane and label, and its row id to fetch it whole. */
export interface Span {
  readonly id: number;
  readonly fromMs: number;
  /** null while it lasts. */
  readonly toMs: number | null;
  readonly domain: string;
  readonly podNamespace: string;
  readonly podName: string;
}

/** A holder as a grid and a count need it: the address, the pool it was taken through, its row id. */
export interface HeldCell {
  readonly id: number;
  readonly ip: string;
  readonly pool: string;
}

/** A pool as of T (the answer of `poolState`, its counts included) whose holders are cells, not whole rows. */
export type PoolCells = Omit<PoolState, "holders" | "otherPools"> & {
  readonly holders: readonly HeldCell[];
  readonly otherPools: readonly HeldCell[];
};

/**
 * Reads for aggregating big answers (a pool's grid, an address's 10,000 tenancies, a pool's
 * utilisation) without building a whole `Holder` per row, which costs a row read plus two event
 * joins each (about 1.4 s for a pool with 30,000 holders): spans and cells come from the
 * tenancy indexes, and only the rows a table shows are read whole, by id. Same filters, order and
 * point-in-time rule as `tenancyPage` and `poolState`.
 *
 * @example const lean = prepareLeanReads(snapshot.db); lean.spans({ ip: "10.70.0.5" })
 */
export function prepareLeanReads(db: Database.Database) {
  const cache = new Map<string, Database.Statement>();
  const statement = (sql: string): Database.Statement => {
    let prepared = cache.get(sql);
    if (!prepared) cache.set(sql, (prepared = db.prepare(sql)));
    return prepared;
  };
  // The last tenancy of each address (in one domain) that began at or before T, kept when it
  // covers T: the rule of `holdersAt` (pointInTime.ts), as one scan of the covering index
  // tenancies_at instead of three seeks per address, then one row read per holder.
  const latestAt = db.prepare(
    `SELECT l.id, t.ip, t.pool FROM (
       SELECT id, ip_blob, to_ms, ROW_NUMBER() OVER (PARTITION BY ip_blob ORDER BY from_ms DESC, from_offset DESC) AS latest
       FROM tenancies INDEXED BY tenancies_at WHERE ip_blob BETWEEN ? AND ? AND domain = ? AND from_ms <= ?) l
     JOIN tenancies t ON t.id = l.id
     WHERE l.latest = 1 AND (l.to_ms IS NULL OR l.to_ms > ?) ORDER BY t.ip_blob`,
  );
  const points = preparePointInTime(db);
  // poolState's own code (definition, reservations, counts, errors), fed cells instead of whole
  // holders: it reads only the `ip` and `pool` of each, which a cell has.
  const poolCells = preparePoolState(db, {
    ...points,
    holdersInRange: (lo, hi, atMs, options) => {
      if (options.domain === undefined) return points.holdersInRange(lo, hi, atMs, options);
      const cells = latestAt.all(lo, hi, options.domain, atMs, atMs) as HeldCell[];
      return { holders: cells as unknown as Holder[] };
    },
  });
  return {
    /** The tenancies matching `filter`, oldest first (start, then log position), as spans. */
    spans(filter: AuditFilter): Span[] {
      const where = tenancyWhere(filter);
      return statement(
        `SELECT t.id, t.from_ms AS fromMs, t.to_ms AS toMs, t.domain, t.pod_namespace AS podNamespace, t.pod_name AS podName
         FROM tenancies t ${whereSql(where)} ORDER BY t.from_ms, t.from_partition, t.from_offset`,
      ).all(...where.params) as Span[];
    },
    /** The tenancies with these row ids, whole, in the order of `ids`. */
    holders(ids: readonly number[]): Holder[] {
      if (ids.length === 0) return [];
      const rows = statement(
        `${HOLDER_SELECT.replace(/^SELECT /, "SELECT t.id AS id, ")} WHERE t.id IN (SELECT value FROM json_each(?))`,
      ).all(JSON.stringify(ids)) as (HolderRow & { id: number })[];
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => toHolder(byId.get(id) as HolderRow));
    },
    /** `poolState(pool, atMs, domain)` with cells for holders: the same counts, definition and errors. */
    poolCells(pool: string, atMs: number, domain?: string): PoolCells {
      return poolCells(pool, atMs, domain) as unknown as PoolCells;
    },
  };
}

export type LeanReads = ReturnType<typeof prepareLeanReads>;
