import type Database from "better-sqlite3";
import { HOLDER_COLUMNS } from "./holderRows.js";
import { INSERT_ALLOCATION, type EffectPosition, type TenancyWriter } from "./projectionStatements.js";

const INSERT_TENANCY = `INSERT INTO tenancies (id, ${HOLDER_COLUMNS}, from_partition, from_offset, from_at, from_ms, to_partition, to_offset, to_at, to_ms, end_reason)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const NOT_CLOSED = [null, null, null, null, null] as const;

interface OpenTenancy {
  readonly id: number;
  /** HOLDER_COLUMNS then from_partition, from_offset, from_at, from_ms. */
  readonly values: readonly unknown[];
  readonly containerId: string;
  readonly ifName: string;
  /** False once a release of another owner deleted the allocation row but left this interval open. */
  allocated: boolean;
}

/**
 * Tenancies for a replay into an EMPTY projection: an interval is held in memory while it is open
 * and written once, whole, when it closes; the ones still open and the allocations (exactly the
 * open intervals) are written by `finish()`. One INSERT per interval instead of an INSERT, an
 * UPDATE through an index, and an allocation row inserted and deleted again.
 *
 * The rows are the ones `immediateTenancies` would leave, ids included (given in opening order,
 * as SQLite's rowids would be). Memory grows with the open intervals only: the live allocations,
 * which the fold's state holds anyway.
 *
 * @example const tenancies = deferredTenancies(db); const write = projectionWriter(db, tenancies); …; tenancies.finish();
 */
export function deferredTenancies(db: Database.Database): TenancyWriter & { finish(): void } {
  const insertTenancy = db.prepare(INSERT_TENANCY);
  const insertAllocation = db.prepare(INSERT_ALLOCATION);
  const open = new Map<string, OpenTenancy>(); // domain \0 ip_blob (hex) → interval
  let lastId = 0;
  const keyOf = (domain: string, blob: Buffer): string => `${domain}\u0000${blob.toString("latin1")}`;

  return {
    opened(effect, holder, from) {
      const key = keyOf(effect.domain, holder[3] as Buffer);
      const earlier = open.get(key);
      if (earlier?.allocated)
        throw new Error(
          `projection got a second open tenancy of ${effect.ip} in domain ${JSON.stringify(effect.domain)}; the fold should have voided it`,
        );
      if (earlier) insertTenancy.run(earlier.id, ...earlier.values, ...NOT_CLOSED); // an interval left open for good
      lastId += 1;
      const { containerId, ifName } = effect.owner;
      open.set(key, { id: lastId, values: [...holder, ...from], containerId, ifName, allocated: true });
    },
    closed(effect, { blob }, to: EffectPosition) {
      const key = keyOf(effect.domain, blob);
      const interval = open.get(key);
      if (!interval) return;
      // As the live writer: the interval closes only for its own owner; the allocation row goes regardless.
      if (interval.containerId !== effect.owner.containerId || interval.ifName !== effect.owner.ifName) {
        interval.allocated = false;
        return;
      }
      insertTenancy.run(interval.id, ...interval.values, ...to, effect.reason);
      open.delete(key);
    },
    finish() {
      for (const interval of open.values()) {
        insertTenancy.run(interval.id, ...interval.values, ...NOT_CLOSED);
        if (interval.allocated) insertAllocation.run(...interval.values);
      }
      open.clear();
    },
  };
}
