import type Database from "better-sqlite3";

// Surrogate ids are left out: two projections are equal when they say the same things.
const TABLES: Record<string, string> = {
  events: `SELECT partition, "offset", id, type, domain, pool, at, effective_ms, actor, status, reason, body FROM events ORDER BY partition, "offset"`,
  allocations: `SELECT * FROM allocations ORDER BY domain, ip_blob`,
  tenancies: `SELECT domain, pool, ip, container_id, if_name, pod_namespace, pod_name, pod_uid, node, requested, from_partition, from_offset, from_at, from_ms, to_partition, to_offset, to_at, to_ms, end_reason FROM tenancies ORDER BY from_partition, from_offset, domain, ip_blob`,
  pools: `SELECT * FROM pools ORDER BY domain, pool, partition, "offset"`,
  reservations: `SELECT domain, pool, target, note, from_offset, from_ms, to_offset, to_ms FROM reservations ORDER BY domain, pool, from_offset, target`,
  checkpoints: `SELECT * FROM checkpoints ORDER BY partition`,
};

const rowText = (row: unknown): string =>
  JSON.stringify(row, (_key, value: unknown) => (Buffer.isBuffer(value) ? value.toString("hex") : value));

/**
 * The first difference between two projections, table by table, streamed row by row so that two
 * year-long projections are compared in bounded memory. Undefined when they are equal.
 */
export function firstDifferenceStreamed(actual: Database.Database, expected: Database.Database): string | undefined {
  for (const [table, sql] of Object.entries(TABLES)) {
    const a = actual.prepare(sql).iterate();
    const e = expected.prepare(sql).iterate();
    try {
      for (let index = 1; ; index += 1) {
        const [left, right] = [a.next(), e.next()];
        if (left.done && right.done) break;
        const [leftText, rightText] = [
          left.done ? undefined : rowText(left.value),
          right.done ? undefined : rowText(right.value),
        ];
        if (leftText !== rightText)
          return `table ${table} row ${index}: projection has ${leftText ?? "nothing"}, a replay gives ${rightText ?? "nothing"}`;
      }
    } finally {
      a.return?.();
      e.return?.();
    }
  }
  return undefined;
}

/** Every table of a projection as comparable JSON lines, table by table. */
export function dumpProjection(db: Database.Database): Record<string, string[]> {
  const dump: Record<string, string[]> = {};
  for (const [table, sql] of Object.entries(TABLES)) {
    dump[table] = db.prepare(sql).all().map(rowText);
  }
  return dump;
}

/** The first difference between two dumps, or undefined when they are equal. */
export function firstDifference(
  actual: Record<string, string[]>,
  expected: Record<string, string[]>,
): string | undefined {
  for (const table of Object.keys(TABLES)) {
    const a = actual[table] ?? [];
    const e = expected[table] ?? [];
    const length = Math.max(a.length, e.length);
    for (let index = 0; index < length; index += 1) {
      if (a[index] !== e[index]) {
        return `table ${table} row ${index + 1}: projection has ${a[index] ?? "nothing"}, a replay gives ${e[index] ?? "nothing"}`;
      }
    }
  }
  return undefined;
}
