import type Database from "better-sqlite3";
import { createAttributionResolver } from "./attributionResolver.js";
import {
  blobOf,
  cidrBlobs,
  decodeCursor,
  encodeCursor,
  checkLimit,
  registerAuditFunctions,
  type AuditFilter,
  type Page,
  type PageRequest,
} from "./auditFilters.js";
import { prepareEventPages, type EventFilter, type EventView } from "./eventRows.js";
import { preparePointInTime } from "./pointInTime.js";
import { preparePoolState } from "./poolState.js";
import { prepareTenancyPages } from "./tenancyPages.js";
import type { Holder } from "./tenancyRows.js";

export type { Holder, LogPosition } from "./tenancyRows.js";
export type { EventView, EventFilter } from "./eventRows.js";
export type { PoolState } from "./poolState.js";
export type { AuditFilter, Page, PageRequest } from "./auditFilters.js";

export interface AllocationRow {
  readonly ip: string;
  readonly pool: string;
  readonly domain: string;
  readonly containerId: string;
  readonly ifName: string;
  readonly podNamespace: string;
  readonly podName: string;
  readonly podUid: string;
  readonly node: string;
  readonly requested: boolean;
  readonly since: string;
}

/** One row of `ipledger pools`; sizes are numbers, or decimal strings beyond 2^53 (IPv6). */
export type PoolSummary = {
  readonly pool: string;
  readonly domain: string;
  readonly range: string;
  readonly start: string;
  readonly end: string;
  readonly exclude: string[];
  readonly gateway: string | null;
  readonly allocated: number;
  /** Addresses in the dynamic window (range_start..range_end). */
  readonly capacity: number | string;
  readonly excluded: number | string;
  readonly reserved: number | string;
  /** What the next ADDs can still get: capacity less excluded, reserved and held. */
  readonly free: number | string;
  readonly definedAt: string;
};

/** `{partition: next offset}`: the log positions an answer reflects. */
export type Basis = Record<string, number>;

/**
 * Read-only questions to the projection. Every answer comes from the tenancies table (one row
 * per ownership interval), the events table and the pool definitions over time, through indexes
 * only: "who held X at T" is a few index seeks whatever the length of X's history.
 *
 * Registers the SQL functions the event filters use (`registerAuditFunctions`) on `db`.
 *
 * @example
 *   const queries = createQueries(db);
 *   queries.holdersAt("10.0.0.5", Date.parse("2026-11-20T03:12:09Z"));
 */
export function createQueries(db: Database.Database) {
  registerAuditFunctions(db);
  const points = preparePointInTime(db);
  const tenancyPage = prepareTenancyPages(db);
  const eventPage = prepareEventPages(db);
  const poolState = preparePoolState(db, points);
  const basisStatement = db.prepare("SELECT partition, next_offset AS nextOffset FROM checkpoints ORDER BY partition");

  return {
    db,
    /** The holder of `ip` at instant `atMs` (the first domain's, when several networks held it), or null. */
    who(ip: string, atMs: number): Holder | null {
      return points.holdersAt(blobOf(ip), atMs)[0] ?? null;
    },
    /** Every holder of `ip` at `atMs`: one per allocation domain (network) that held it then. */
    holdersAt(ip: string, atMs: number, domain?: string): Holder[] {
      return points.holdersAt(blobOf(ip), atMs, domain);
    },
    /** The holders of every address of `cidr` at `atMs`, in address order, a page at a time. */
    holdersInCidr(cidr: string, atMs: number, page: PageRequest & { domain?: string }): Page<Holder> {
      const { lo, hi } = cidrBlobs(cidr);
      const after = page.after === undefined ? undefined : decodeCursor(page.after, 2);
      const { holders, last } = points.holdersInRange(lo, hi, atMs, {
        limit: checkLimit(page.limit),
        ...(after ? { after: { blob: Buffer.from(String(after[0]), "hex"), domain: String(after[1]) } } : {}),
        ...(page.domain !== undefined ? { domain: page.domain } : {}),
      });
      return { rows: holders, next: last ? encodeCursor([last.blob.toString("hex"), last.domain]) : null };
    },
    /** Ownership intervals overlapping [since, until), oldest first, every page (small answers: use `tenancyPage` for exports). */
    history(filter: AuditFilter): Holder[] {
      const rows: Holder[] = [];
      for (
        let page = tenancyPage(filter, { limit: 10_000 });
        ;
        page = tenancyPage(filter, { limit: 10_000, after: page.next as string })
      ) {
        rows.push(...page.rows);
        if (page.next === null) return rows;
      }
    },
    tenancyPage,
    eventPage: (filter: EventFilter, page: PageRequest): Page<EventView> => eventPage(filter, page),
    poolState,
    /** A cached resolver for many (ip, instant) probes; use it on a snapshot that does not change. */
    attributionResolver: (options: { maxEntries?: number } = {}) => createAttributionResolver(points, options),
    allocations(): AllocationRow[] {
      const rows = db
        .prepare(
          `SELECT ip, pool, domain, container_id AS containerId, if_name AS ifName, pod_namespace AS podNamespace, pod_name AS podName,
             pod_uid AS podUid, node, requested, since_ms AS sinceMs FROM allocations ORDER BY domain, pool, ip_blob`,
        )
        .all() as (Omit<AllocationRow, "requested" | "since"> & { requested: number; sinceMs: number })[];
      return rows.map(({ sinceMs, requested, ...rest }) => ({
        ...rest,
        requested: requested === 1,
        since: new Date(sinceMs).toISOString(),
      }));
    },
    /**
     * Each pool's current definition, how many addresses it holds, and the sizes of its dynamic
     * window now (the same counts as `poolState`): capacity, excluded, reserved and free.
     */
    pools(): PoolSummary[] {
      const rows = db
        .prepare(
          `SELECT p.pool, p.domain, p.range, p.range_start AS start, p.range_end AS "end", p.exclude, p.gateway, p.effective_ms AS definedMs,
             (SELECT COUNT(*) FROM allocations a WHERE a.domain = p.domain AND a.pool = p.pool) AS allocated
           FROM pools p WHERE NOT EXISTS (SELECT 1 FROM pools q WHERE q.domain = p.domain AND q.pool = p.pool AND (q.partition, q."offset") > (p.partition, p."offset"))
           ORDER BY p.domain, p.pool`,
        )
        .all() as {
        pool: string;
        domain: string;
        range: string;
        start: string;
        end: string;
        exclude: string;
        gateway: string | null;
        allocated: number;
        definedMs: number;
      }[];
      return rows.map(({ exclude, definedMs, ...rest }) => {
        // A definition stamped ahead of this clock (skew) is still the current one.
        const { counts } = poolState(rest.pool, Math.max(Date.now(), definedMs), rest.domain);
        const sizes = {
          capacity: counts.window,
          excluded: counts.excluded,
          reserved: counts.reserved,
          free: counts.free,
        };
        return {
          ...rest,
          exclude: JSON.parse(exclude) as string[],
          ...sizes,
          definedAt: new Date(definedMs).toISOString(),
        };
      });
    },
    /** The projection's checkpoints: the log positions every answer reflects. */
    basis(): Basis {
      const rows = basisStatement.all() as { partition: number; nextOffset: number }[];
      return Object.fromEntries(rows.map((row) => [String(row.partition), row.nextOffset]));
    },
  };
}

export type Queries = ReturnType<typeof createQueries>;
