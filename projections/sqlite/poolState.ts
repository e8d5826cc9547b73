import type Database from "better-sqlite3";
import {
  cidrInterval,
  LedgerError,
  parseAddress,
  parseExclude,
  resolveWindow,
  type Interval,
} from "../../ledger/core/index.js";
import { blobOfAddress } from "./auditFilters.js";
import type { PointInTime } from "./pointInTime.js";
import type { Holder } from "./tenancyRows.js";

/** A pool as it was at one instant: its definition then, who held what, and what was reserved. */
export interface PoolState {
  readonly pool: string;
  readonly domain: string;
  readonly at: string;
  readonly definition: {
    readonly range: string;
    readonly start: string;
    readonly end: string;
    readonly exclude: readonly string[];
    readonly gateway: string | null;
    readonly networkName: string;
    readonly reuseCooldownSeconds: number;
    /** When this definition took effect (the pool may have been redefined since). */
    readonly definedAt: string;
  };
  /** Addresses held through this pool at the instant, in address order. */
  readonly holders: readonly Holder[];
  /** Addresses of the range held then through another pool of the same domain (overlapping ranges). */
  readonly otherPools: readonly Holder[];
  readonly reservations: readonly {
    readonly target: string;
    readonly note: string;
    readonly from: string;
    readonly to: string | null;
  }[];
  /** Sizes within the dynamic window; numbers, or decimal strings beyond 2^53 (IPv6). */
  readonly counts: {
    readonly window: number | string;
    readonly excluded: number | string;
    readonly reserved: number | string;
    readonly held: number;
    readonly free: number | string;
  };
}

interface DefinitionRow {
  readonly domain: string;
  readonly range: string;
  readonly start: string;
  readonly end: string;
  readonly exclude: string;
  readonly gateway: string | null;
  readonly networkName: string;
  readonly reuseCooldownSeconds: number;
  readonly effectiveMs: number;
}

const size = (value: bigint): number | string =>
  value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();

/** Sorted, merged intervals clipped to `bounds`. */
function merge(intervals: readonly Interval[], bounds: Interval): Interval[] {
  const clipped = intervals
    .map((i) => ({ from: i.from > bounds.from ? i.from : bounds.from, to: i.to < bounds.to ? i.to : bounds.to }))
    .filter((i) => i.from <= i.to)
    .sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  const merged: Interval[] = [];
  for (const interval of clipped) {
    const last = merged[merged.length - 1];
    if (last && interval.from <= last.to + 1n)
      merged[merged.length - 1] = { from: last.from, to: interval.to > last.to ? interval.to : last.to };
    else merged.push(interval);
  }
  return merged;
}

const total = (intervals: readonly Interval[]): bigint => intervals.reduce((sum, i) => sum + (i.to - i.from + 1n), 0n);
const inside = (intervals: readonly Interval[], value: bigint): boolean =>
  intervals.some((i) => value >= i.from && value <= i.to);

export function preparePoolState(db: Database.Database, points: PointInTime) {
  const domainsOfPool = db
    .prepare(`SELECT DISTINCT domain FROM pools INDEXED BY pools_by_name WHERE pool = ? ORDER BY domain`)
    .pluck();
  const definitionAt = db.prepare(
    `SELECT domain, range, range_start AS start, range_end AS "end", exclude, gateway, network_name AS networkName,
       reuse_cooldown_seconds AS reuseCooldownSeconds, effective_ms AS effectiveMs
     FROM pools INDEXED BY pools_by_name WHERE pool = ? AND domain = ? AND effective_ms <= ?
     ORDER BY effective_ms DESC, partition DESC, "offset" DESC LIMIT 1`,
  );
  const firstDefined = db.prepare(`SELECT MIN(effective_ms) FROM pools WHERE pool = ? AND domain = ?`).pluck();
  const reservationsAt = db.prepare(
    `SELECT target, note, from_ms AS fromMs, to_ms AS toMs FROM reservations
     WHERE domain = ? AND pool = ? AND from_ms <= ? AND (to_ms IS NULL OR to_ms > ?) ORDER BY from_ms, id`,
  );

  function domainOf(pool: string, domain: string | undefined): string {
    const domains = domainsOfPool.all(pool) as string[];
    if (domains.length === 0)
      throw new LedgerError(
        "UNKNOWN_POOL",
        `no pool ${JSON.stringify(pool)} was ever defined; list pools with ipledger pools`,
        { key: "pool" },
      );
    if (domain !== undefined) {
      if (!domains.includes(domain))
        throw new LedgerError(
          "UNKNOWN_POOL",
          `pool ${pool} was never defined in domain ${JSON.stringify(domain)}; it exists in ${domains.map((d) => JSON.stringify(d)).join(", ")}`,
          { key: "domain" },
        );
      return domain;
    }
    if (domains.length > 1)
      throw new LedgerError(
        "INVALID_REQUEST",
        `pool ${pool} exists in several domains (${domains.map((d) => JSON.stringify(d)).join(", ")}); name one with --domain`,
        { key: "domain" },
      );
    return domains[0] as string;
  }

  /**
   * The pool `pool` as it was at `atMs`.
   *
   * @example poolState("10.10.0.0-24", Date.parse("2026-11-20T03:00:00Z"))
   */
  return function poolState(pool: string, atMs: number, requestedDomain?: string): PoolState {
    const domain = domainOf(pool, requestedDomain);
    const row = definitionAt.get(pool, domain, atMs) as DefinitionRow | undefined;
    if (!row) {
      const first = firstDefined.get(pool, domain) as number;
      throw new LedgerError(
        "NOT_FOUND",
        `pool ${pool} did not exist yet at ${new Date(atMs).toISOString()}; it was first defined at ${new Date(first).toISOString()}`,
        { key: "at" },
      );
    }
    const exclude = JSON.parse(row.exclude) as string[];
    const window = resolveWindow({ range: row.range, rangeStart: row.start, rangeEnd: row.end, exclude, key: "pool" });
    const { from, to } = cidrInterval(window.cidr);
    const lo = blobOfAddress({ family: window.family, value: from });
    const hi = blobOfAddress({ family: window.family, value: to });
    const all = points.holdersInRange(lo, hi, atMs, { limit: Number.MAX_SAFE_INTEGER, domain }).holders;
    const reservations = (
      reservationsAt.all(domain, pool, atMs, atMs) as {
        target: string;
        note: string;
        fromMs: number;
        toMs: number | null;
      }[]
    ).map((r) => ({
      target: r.target,
      note: r.note,
      from: new Date(r.fromMs).toISOString(),
      to: r.toMs === null ? null : new Date(r.toMs).toISOString(),
    }));
    const excluded = merge(window.excludes, window.window);
    const reservedIntervals = reservations.flatMap((r) => {
      try {
        return [parseExclude(r.target, window.family, "target")];
      } catch {
        return [];
      }
    });
    const blocked = merge([...window.excludes, ...reservedIntervals], window.window);
    const heldValues = all.flatMap((holder) => parseAddress(holder.ip)?.value ?? []);
    const heldOutsideBlocked = heldValues.filter(
      (value) => value >= window.window.from && value <= window.window.to && !inside(blocked, value),
    ).length;
    const windowSize = window.window.to - window.window.from + 1n;
    return {
      pool,
      domain,
      at: new Date(atMs).toISOString(),
      definition: {
        range: row.range,
        start: row.start,
        end: row.end,
        exclude,
        gateway: row.gateway,
        networkName: row.networkName,
        reuseCooldownSeconds: row.reuseCooldownSeconds,
        definedAt: new Date(row.effectiveMs).toISOString(),
      },
      holders: all.filter((holder) => holder.pool === pool),
      otherPools: all.filter((holder) => holder.pool !== pool),
      reservations,
      counts: {
        window: size(windowSize),
        excluded: size(total(excluded)),
        reserved: size(total(merge(reservedIntervals, window.window))),
        held: all.filter((holder) => holder.pool === pool).length,
        free: size(windowSize - total(blocked) - BigInt(heldOutsideBlocked)),
      },
    };
  };
}
