import type Database from "better-sqlite3";

export interface InvariantViolation {
  readonly rule: string;
  readonly detail: string;
}

interface TenancyRow {
  domain: string;
  ip: string;
  from_partition: number;
  from_offset: number;
  to_offset: number | null;
  container_id: string;
  if_name: string;
}

/**
 * Checks the projection's history, independently of the fold's own bookkeeping:
 * - no address is ever held by two owners at any log offset (tenancies of one address in one
 *   domain never overlap, and at most one is open);
 * - the current allocations are exactly the open tenancies.
 * Returns every violation found (empty when the ledger is sound).
 *
 * @example expect(checkInvariants(projection.db)).toEqual([]);
 */
export function checkInvariants(db: Database.Database): InvariantViolation[] {
  const violations: InvariantViolation[] = [];
  // Streamed: a year of tenancies never sits in memory at once.
  const rows = db
    .prepare(
      "SELECT domain, ip, from_partition, from_offset, to_offset, container_id, if_name FROM tenancies ORDER BY domain, ip_blob, from_offset",
    )
    .iterate() as IterableIterator<TenancyRow>;
  let previous: TenancyRow | undefined;
  for (const row of rows) {
    if (previous && previous.domain === row.domain && previous.ip === row.ip) {
      if (previous.to_offset === null || previous.to_offset > row.from_offset) {
        if (violations.length >= 1_000) break; // enough to act on; the count is bounded too
        violations.push({
          rule: "one owner per address",
          detail: `${row.ip} in domain ${JSON.stringify(row.domain)}: held by ${previous.container_id}/${previous.if_name} from offset ${previous.from_offset} to ${previous.to_offset ?? "now"} and by ${row.container_id}/${row.if_name} from offset ${row.from_offset}`,
        });
      }
    }
    previous = row;
  }
  const mismatch = db
    .prepare(
      `SELECT 'allocation without open tenancy' AS rule, a.ip AS ip FROM allocations a
         WHERE NOT EXISTS (SELECT 1 FROM tenancies t WHERE t.domain = a.domain AND t.ip_blob = a.ip_blob AND t.to_offset IS NULL AND t.container_id = a.container_id AND t.if_name = a.if_name)
       UNION ALL
       SELECT 'open tenancy without allocation', t.ip FROM tenancies t
         WHERE t.to_offset IS NULL AND NOT EXISTS (SELECT 1 FROM allocations a WHERE a.domain = t.domain AND a.ip_blob = t.ip_blob)`,
    )
    .all() as { rule: string; ip: string }[];
  for (const row of mismatch) violations.push({ rule: row.rule, detail: row.ip });
  return violations;
}
