import type Database from "better-sqlite3";
import { addressToBlob, cidrInterval, LedgerError, parseAddress, parseCidr } from "../../ledger/core/index.js";

/** Who held an address over an interval, as `who` and `history` print it. */
export interface Holder {
  readonly ip: string;
  readonly pool: string;
  readonly podNamespace: string;
  readonly podName: string;
  readonly podUid: string;
  readonly containerId: string;
  readonly ifName: string;
  readonly node: string;
  /** ISO time the tenancy began (effective time). */
  readonly from: string;
  /** ISO time it ended, or null while it lasts. */
  readonly to: string | null;
  readonly endReason: string | null;
}

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

const HOLDER_COLUMNS = `ip, pool, pod_namespace AS podNamespace, pod_name AS podName, pod_uid AS podUid, container_id AS containerId,
  if_name AS ifName, node, from_ms AS fromMs, to_ms AS toMs, end_reason AS endReason`;

interface HolderRow extends Omit<Holder, "from" | "to"> {
  readonly fromMs: number;
  readonly toMs: number | null;
}

function toHolder(row: HolderRow): Holder {
  const { fromMs, toMs, ...rest } = row;
  return { ...rest, from: new Date(fromMs).toISOString(), to: toMs === null ? null : new Date(toMs).toISOString() };
}

function blobOf(ip: string): Buffer {
  const address = parseAddress(ip);
  if (!address) throw new LedgerError("INVALID_REQUEST", `${JSON.stringify(ip)} is not an IP address`, { key: "ip" });
  return Buffer.from(addressToBlob(address));
}

/**
 * Read-only questions to the projection. Every answer comes from the tenancies table, which
 * holds one row per ownership interval, so "who held X at T" is one indexed lookup.
 *
 * @example createQueries(db).who("10.0.0.5", Date.parse("2026-11-20T03:12:09Z"))
 */
export function createQueries(db: Database.Database) {
  const whoStatement = db.prepare(
    `SELECT ${HOLDER_COLUMNS} FROM tenancies WHERE ip_blob = ? AND from_ms <= ? AND (to_ms IS NULL OR to_ms > ?) ORDER BY from_ms DESC, id DESC LIMIT 1`,
  );
  return {
    /** The holder of `ip` at instant `atMs`, or null. */
    who(ip: string, atMs: number): Holder | null {
      const row = whoStatement.get(blobOf(ip), atMs, atMs) as HolderRow | undefined;
      return row ? toHolder(row) : null;
    },
    /** Ownership intervals overlapping [since, until), oldest first, filtered by ip, CIDR or pod. */
    history(filter: { ip?: string; cidr?: string; pod?: { namespace: string; name: string }; sinceMs?: number; untilMs?: number }): Holder[] {
      const clauses: string[] = [];
      const params: unknown[] = [];
      if (filter.ip !== undefined) {
        clauses.push("ip_blob = ?");
        params.push(blobOf(filter.ip));
      }
      if (filter.cidr !== undefined) {
        const cidr = parseCidr(filter.cidr);
        if (!cidr) throw new LedgerError("INVALID_REQUEST", `${JSON.stringify(filter.cidr)} is not a CIDR`, { key: "cidr" });
        const { from, to } = cidrInterval(cidr);
        clauses.push("ip_blob BETWEEN ? AND ?");
        params.push(Buffer.from(addressToBlob({ family: cidr.family, value: from })), Buffer.from(addressToBlob({ family: cidr.family, value: to })));
      }
      if (filter.pod) {
        clauses.push("pod_namespace = ? AND pod_name = ?");
        params.push(filter.pod.namespace, filter.pod.name);
      }
      if (filter.untilMs !== undefined) {
        clauses.push("from_ms < ?");
        params.push(filter.untilMs);
      }
      if (filter.sinceMs !== undefined) {
        clauses.push("(to_ms IS NULL OR to_ms > ?)");
        params.push(filter.sinceMs);
      }
      const where = clauses.length > 0 ? `WHERE ${clauses.join(" AND ")}` : "";
      const rows = db.prepare(`SELECT ${HOLDER_COLUMNS} FROM tenancies ${where} ORDER BY from_ms, id`).all(...params) as HolderRow[];
      return rows.map(toHolder);
    },
    allocations(): AllocationRow[] {
      const rows = db
        .prepare(
          `SELECT ip, pool, domain, container_id AS containerId, if_name AS ifName, pod_namespace AS podNamespace, pod_name AS podName,
             pod_uid AS podUid, node, requested, since_ms AS sinceMs FROM allocations ORDER BY domain, pool, ip_blob`,
        )
        .all() as (Omit<AllocationRow, "requested" | "since"> & { requested: number; sinceMs: number })[];
      return rows.map(({ sinceMs, requested, ...rest }) => ({ ...rest, requested: requested === 1, since: new Date(sinceMs).toISOString() }));
    },
    /** Each pool's current definition and how many addresses it holds. */
    pools(): { pool: string; domain: string; range: string; start: string; end: string; exclude: string[]; gateway: string | null; allocated: number; definedAt: string }[] {
      const rows = db
        .prepare(
          `SELECT p.pool, p.domain, p.range, p.range_start AS start, p.range_end AS "end", p.exclude, p.gateway, p.effective_ms AS definedMs,
             (SELECT COUNT(*) FROM allocations a WHERE a.domain = p.domain AND a.pool = p.pool) AS allocated
           FROM pools p WHERE NOT EXISTS (SELECT 1 FROM pools q WHERE q.domain = p.domain AND q.pool = p.pool AND (q.partition, q."offset") > (p.partition, p."offset"))
           ORDER BY p.domain, p.pool`,
        )
        .all() as { pool: string; domain: string; range: string; start: string; end: string; exclude: string; gateway: string | null; allocated: number; definedMs: number }[];
      return rows.map(({ exclude, definedMs, ...rest }) => ({ ...rest, exclude: JSON.parse(exclude) as string[], definedAt: new Date(definedMs).toISOString() }));
    },
    /** The projection's checkpoints: the log positions every answer reflects. */
    basis(): Record<string, number> {
      const rows = db.prepare("SELECT partition, next_offset AS nextOffset FROM checkpoints ORDER BY partition").all() as { partition: number; nextOffset: number }[];
      return Object.fromEntries(rows.map((row) => [String(row.partition), row.nextOffset]));
    },
  };
}

export type Queries = ReturnType<typeof createQueries>;
