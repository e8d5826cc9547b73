import type Database from "better-sqlite3";
import type { Actor, LedgerEvent } from "../../ledger/core/index.js";
import {
  checkLimit,
  decodeCursor,
  encodeCursor,
  eventWhere,
  whereSql,
  type AuditFilter,
  type Page,
  type PageRequest,
} from "./auditFilters.js";
import { writtenAt } from "./tenancyRows.js";

/**
 * One event as `changes` and event exports print it: where it sits in the log, when it took
 * effect and when its writer said it happened, who wrote it, what the fold made of it, and the
 * fields an auditor filters on (address, owner, release reason and note) lifted out of `data`.
 */
export interface EventView {
  readonly partition: number;
  readonly offset: number;
  readonly id: string;
  readonly type: string;
  readonly domain: string;
  readonly pool: string;
  /** Effective time (ISO): never goes backwards within a domain. */
  readonly at: string;
  /** The writer's clock as written. */
  readonly writtenAt: string;
  readonly actor: Actor;
  readonly status: "accepted" | "voided" | "duplicate";
  /** Why the fold voided it (or counted it a duplicate); null when accepted. */
  readonly statusReason: string | null;
  /** The address (allocations, releases, adoptions) or the reserved target. */
  readonly ip: string | null;
  readonly podNamespace: string | null;
  readonly podName: string | null;
  readonly podUid: string | null;
  readonly containerId: string | null;
  readonly ifName: string | null;
  readonly node: string | null;
  /** The release reason (`cni-del`, `pod-deleted`, `admin`, …); null for other events. */
  readonly reason: string | null;
  readonly note: string | null;
  readonly data: Record<string, unknown>;
}

export interface EventFilter extends AuditFilter {
  readonly types?: readonly string[];
  /** Also list claims the fold voided and duplicates (default: accepted events only). */
  readonly includeVoided?: boolean;
}

interface EventRow {
  readonly partition: number;
  readonly offset: number;
  readonly effectiveMs: number;
  readonly status: EventView["status"];
  readonly reason: string | null;
  readonly body: string;
}

function viewOf(row: EventRow): EventView {
  const event = JSON.parse(row.body) as LedgerEvent;
  const data = event.data as Record<string, unknown>;
  const owner = (data.owner ?? null) as Record<string, string> | null;
  const field = (value: unknown): string | null => (typeof value === "string" ? value : null);
  return {
    partition: row.partition,
    offset: row.offset,
    id: event.id,
    type: event.type,
    domain: event.domain,
    pool: event.pool,
    at: new Date(row.effectiveMs).toISOString(),
    writtenAt: writtenAt(event.at),
    actor: event.actor,
    status: row.status,
    statusReason: row.reason,
    ip: field(data.ip) ?? field(data.target),
    podNamespace: field(owner?.podNamespace),
    podName: field(owner?.podName),
    podUid: field(owner?.podUid),
    containerId: field(owner?.containerId),
    ifName: field(owner?.ifName),
    node: field(owner?.node),
    reason: event.type === "AddressReleased" ? field(data.reason) : null,
    note: field(data.note),
    data,
  };
}

/**
 * Events in (effective time, partition, offset) order, filtered, one page at a time. A time
 * window is an index range on `events_by_time_position`; the other filters are checked on the
 * rows of that range.
 *
 * @example eventPage(db, { sinceMs, untilMs }, { limit: 1000 })
 */
export function prepareEventPages(db: Database.Database) {
  const cache = new Map<string, Database.Statement>();
  return (filter: EventFilter, page: PageRequest): Page<EventView> => {
    const limit = checkLimit(page.limit);
    const where = eventWhere(filter);
    if (page.after !== undefined) {
      where.clauses.push(`(e.effective_ms, e.partition, e."offset") > (?, ?, ?)`);
      where.params.push(...decodeCursor(page.after, 3));
    }
    const sql = `SELECT e.partition, e."offset" AS offset, e.effective_ms AS effectiveMs, e.status, e.reason, e.body
      FROM events e INDEXED BY events_by_time_position ${whereSql(where)} ORDER BY e.effective_ms, e.partition, e."offset" LIMIT ?`;
    let statement = cache.get(sql);
    if (!statement) cache.set(sql, (statement = db.prepare(sql)));
    const rows = statement.all(...where.params, limit + 1) as EventRow[];
    const more = rows.length > limit;
    const shown = more ? rows.slice(0, limit) : rows;
    const last = shown[shown.length - 1];
    return {
      rows: shown.map(viewOf),
      next: more && last ? encodeCursor([last.effectiveMs, last.partition, last.offset]) : null,
    };
  };
}
