import type Database from "better-sqlite3";
import {
  checkLimit,
  decodeCursor,
  encodeCursor,
  hasSelectiveFilter,
  tenancyWhere,
  whereSql,
  type AuditFilter,
  type Page,
  type PageRequest,
} from "./auditFilters.js";
import { HOLDER_SELECT, toHolder, type Holder, type HolderRow } from "./tenancyRows.js";

/**
 * Ownership intervals matching a filter, oldest first — ordered by (start time, log position),
 * which is unique per tenancy and the same in every projection of one log — one page at a time.
 * Each filter column has an index (`0001`/`0002` projection migrations). A time window alone is
 * read from whichever end is shorter: what began before `until` (`tenancies_by_start`), or what
 * ended after `since` plus what is still open (`tenancies_by_end`), judged from the span of
 * start times, so "the last two hours" does not read a year of history.
 *
 * @example tenancyPage({ pod: { namespace: "shop", name: "web-0" } }, { limit: 1000 })
 */
export function prepareTenancyPages(db: Database.Database) {
  const cache = new Map<string, Database.Statement>();
  const span = db.prepare(
    "SELECT (SELECT from_ms FROM tenancies INDEXED BY tenancies_by_start ORDER BY from_ms LIMIT 1) AS first, (SELECT from_ms FROM tenancies INDEXED BY tenancies_by_start ORDER BY from_ms DESC LIMIT 1) AS last",
  );
  const readFromEnd = (filter: AuditFilter): boolean => {
    if (filter.sinceMs === undefined || hasSelectiveFilter(filter)) return false;
    const { first, last } = span.get() as { first: number | null; last: number | null };
    if (first === null || last === null) return false;
    return last - filter.sinceMs < Math.min(filter.untilMs ?? last, last) - first;
  };
  return (filter: AuditFilter, page: PageRequest): Page<Holder> => {
    const limit = checkLimit(page.limit);
    const viaEnd = readFromEnd(filter);
    const where = tenancyWhere(filter, { sinceViaEnd: viaEnd });
    if (page.after !== undefined) {
      where.clauses.push("(t.from_ms, t.from_partition, t.from_offset) > (?, ?, ?)");
      where.params.push(...decodeCursor(page.after, 3));
    }
    // `+t.from_ms` keeps SQLite from walking tenancies_by_start for the order instead of the window.
    const sql = `${HOLDER_SELECT} ${whereSql(where)} ORDER BY ${viaEnd ? "+" : ""}t.from_ms, t.from_partition, t.from_offset LIMIT ?`;
    let statement = cache.get(sql);
    if (!statement) cache.set(sql, (statement = db.prepare(sql)));
    const rows = statement.all(...where.params, limit + 1) as HolderRow[];
    const more = rows.length > limit;
    const shown = more ? rows.slice(0, limit) : rows;
    const last = shown[shown.length - 1];
    return {
      rows: shown.map(toHolder),
      next: more && last ? encodeCursor([last.fromMs, last.fromPartition, last.fromOffset]) : null,
    };
  };
}
