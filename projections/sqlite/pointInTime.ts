import type Database from "better-sqlite3";
import { HOLDER_SELECT, toHolder, type Holder, type HolderRow } from "./tenancyRows.js";

/**
 * "Who held this address at instant T" as index seeks, never scans of an address's history.
 *
 * Within one allocation domain the tenancies of an address never overlap, and effective time
 * never goes backwards, so the tenancy covering T (if any) is the LAST one that began at or
 * before T: one descending seek on `tenancies_at (ip_blob, domain, from_ms, from_offset, to_ms)`.
 * The same address can be held in several domains at once (separate networks), so the domains
 * an address was ever used in are visited with a skip-scan: one seek per domain.
 */

/** The tenancy found for an (address, domain) at T: its row id, bounds, and whether it covers T. */
export interface Candidate {
  readonly id: number;
  readonly fromMs: number;
  readonly toMs: number | null;
}

export function preparePointInTime(db: Database.Database) {
  const firstDomain = db
    .prepare(`SELECT domain FROM tenancies INDEXED BY tenancies_at WHERE ip_blob = ? ORDER BY domain LIMIT 1`)
    .pluck();
  const nextDomain = db
    .prepare(
      `SELECT domain FROM tenancies INDEXED BY tenancies_at WHERE ip_blob = ? AND domain > ? ORDER BY domain LIMIT 1`,
    )
    .pluck();
  const latestBefore = db.prepare(
    `SELECT id, from_ms AS fromMs, to_ms AS toMs FROM tenancies INDEXED BY tenancies_at
     WHERE ip_blob = ? AND domain = ? AND from_ms <= ? ORDER BY from_ms DESC, from_offset DESC LIMIT 1`,
  );
  const firstAfter = db
    .prepare(
      `SELECT from_ms FROM tenancies INDEXED BY tenancies_at WHERE ip_blob = ? AND domain = ? AND from_ms > ? ORDER BY from_ms, from_offset LIMIT 1`,
    )
    .pluck();
  const firstPair = db.prepare(
    `SELECT ip_blob AS blob, domain FROM tenancies INDEXED BY tenancies_at WHERE ip_blob >= ? AND ip_blob <= ? ORDER BY ip_blob, domain LIMIT 1`,
  );
  const nextPair = db.prepare(
    `SELECT ip_blob AS blob, domain FROM tenancies INDEXED BY tenancies_at WHERE (ip_blob, domain) > (?, ?) AND ip_blob <= ? ORDER BY ip_blob, domain LIMIT 1`,
  );
  const holderById = db.prepare(`${HOLDER_SELECT} WHERE t.id = ?`);

  /** True when the tenancy is still running at `atMs` (tenancies are half-open: [from, to)). */
  const covers = (candidate: Candidate, atMs: number): boolean => candidate.toMs === null || candidate.toMs > atMs;

  return {
    /** Every domain the address was ever used in, in order. */
    domainsOf(blob: Buffer): string[] {
      const domains: string[] = [];
      for (
        let domain = firstDomain.get(blob) as string | undefined;
        domain !== undefined;
        domain = nextDomain.get(blob, domain) as string | undefined
      ) {
        domains.push(domain);
      }
      return domains;
    },
    /** The last tenancy of (address, domain) that began at or before `atMs`. */
    latestBefore(blob: Buffer, domain: string, atMs: number): Candidate | undefined {
      return latestBefore.get(blob, domain, atMs) as Candidate | undefined;
    },
    /** When the next tenancy of (address, domain) after `atMs` begins, if any. */
    nextStart(blob: Buffer, domain: string, atMs: number): number | undefined {
      return firstAfter.get(blob, domain, atMs) as number | undefined;
    },
    covers,
    holder(id: number): Holder {
      return toHolder(holderById.get(id) as HolderRow);
    },
    /** The holders of one address at `atMs`, one per domain that held it then. */
    holdersAt(blob: Buffer, atMs: number, domain?: string): Holder[] {
      const holders: Holder[] = [];
      for (const each of domain === undefined ? this.domainsOf(blob) : [domain]) {
        const candidate = this.latestBefore(blob, each, atMs);
        if (candidate && covers(candidate, atMs)) holders.push(this.holder(candidate.id));
      }
      return holders;
    },
    /**
     * The holders of every address in [lo, hi] at `atMs`, in address order, visiting each
     * (address, domain) pair ever used once. Stops after `limit` holders; `after` resumes past
     * the pair a previous call stopped at.
     */
    holdersInRange(
      lo: Buffer,
      hi: Buffer,
      atMs: number,
      options: { limit: number; after?: { blob: Buffer; domain: string }; domain?: string },
    ): { holders: Holder[]; last?: { blob: Buffer; domain: string } } {
      const holders: Holder[] = [];
      let pair = (
        options.after ? nextPair.get(options.after.blob, options.after.domain, hi) : firstPair.get(lo, hi)
      ) as { blob: Buffer; domain: string } | undefined;
      let last: { blob: Buffer; domain: string } | undefined;
      while (pair !== undefined && holders.length < options.limit) {
        last = pair;
        if (options.domain === undefined || pair.domain === options.domain) {
          const candidate = this.latestBefore(pair.blob, pair.domain, atMs);
          if (candidate && covers(candidate, atMs)) holders.push(this.holder(candidate.id));
        }
        pair = nextPair.get(pair.blob, pair.domain, hi) as { blob: Buffer; domain: string } | undefined;
      }
      return pair === undefined ? { holders } : { holders, ...(last ? { last } : {}) };
    },
  };
}

export type PointInTime = ReturnType<typeof preparePointInTime>;
