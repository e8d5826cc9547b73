import type Database from "better-sqlite3";
import {
  addressToBlob,
  cidrInterval,
  LedgerError,
  parseAddress,
  parseCidr,
  type Address,
  type Family,
} from "../../ledger/core/index.js";

/**
 * The filters every audit question shares (history, changes, exports), and how they become SQL.
 * Addresses are compared as the projection stores them: 16-byte big-endian BLOBs, so a CIDR is
 * one index range.
 */
export interface AuditFilter {
  readonly ip?: string;
  readonly cidr?: string;
  readonly pod?: { readonly namespace: string; readonly name: string };
  readonly podUid?: string;
  readonly containerId?: string;
  /** The pod's node (where the address was used), not the node of the agent that wrote the event. */
  readonly node?: string;
  readonly pool?: string;
  readonly domain?: string;
  /** Only what lasts past this instant (tenancies) or happens at or after it (events). */
  readonly sinceMs?: number;
  /** Only what begins (tenancies) or happens (events) before this instant. */
  readonly untilMs?: number;
}

/** A page request: at most `limit` rows after the opaque cursor `after`. */
export interface PageRequest {
  readonly after?: string | undefined;
  readonly limit: number;
}

/** One page of answers; `next` is the cursor of the following page, null on the last. */
export interface Page<T> {
  readonly rows: T[];
  readonly next: string | null;
}

export const MAX_PAGE = 10_000;

export function blobOfAddress(address: Address): Buffer {
  return Buffer.from(addressToBlob(address));
}

/** The BLOB of an address given by a person, or INVALID_REQUEST naming `key`. */
export function blobOf(ip: string, key = "ip"): Buffer {
  const address = parseAddress(ip);
  if (!address) throw new LedgerError("INVALID_REQUEST", `${key} ${JSON.stringify(ip)} is not an IP address`, { key });
  return blobOfAddress(address);
}

/** The first and last BLOB of a CIDR, or INVALID_REQUEST naming `key`. */
export function cidrBlobs(text: string, key = "cidr"): { lo: Buffer; hi: Buffer; family: Family } {
  const cidr = parseCidr(text);
  if (!cidr)
    throw new LedgerError("INVALID_REQUEST", `${key} ${JSON.stringify(text)} is not a CIDR like 10.20.4.0/24`, { key });
  const { from, to } = cidrInterval(cidr);
  return {
    lo: blobOfAddress({ family: cidr.family, value: from }),
    hi: blobOfAddress({ family: cidr.family, value: to }),
    family: cidr.family,
  };
}

/** The address interval an event's `ip` or reservation `target` covers (CIDR, IP or `a-b`). */
function spanOf(text: unknown): { lo: Buffer; hi: Buffer } | undefined {
  if (typeof text !== "string" || text === "") return undefined;
  if (text.includes("/")) {
    const cidr = parseCidr(text);
    if (!cidr) return undefined;
    const { from, to } = cidrInterval(cidr);
    return {
      lo: blobOfAddress({ family: cidr.family, value: from }),
      hi: blobOfAddress({ family: cidr.family, value: to }),
    };
  }
  const dash = text.indexOf("-");
  const first = parseAddress(dash > 0 ? text.slice(0, dash) : text);
  const last = dash > 0 ? parseAddress(text.slice(dash + 1)) : first;
  if (!first || !last) return undefined;
  return { lo: blobOfAddress(first), hi: blobOfAddress(last) };
}

/**
 * Registers the SQL functions the event filters use on `db` (read-only connections too):
 * `ipledger_span_lo(text)` and `ipledger_span_hi(text)`, the first and last address BLOB of an
 * IP, a CIDR or an `a-b` range, NULL when the text is none of them.
 */
export function registerAuditFunctions(db: Database.Database): void {
  db.function("ipledger_span_lo", { deterministic: true }, (text: unknown) => spanOf(text)?.lo ?? null);
  db.function("ipledger_span_hi", { deterministic: true }, (text: unknown) => spanOf(text)?.hi ?? null);
}

/** SQL clauses and their parameters, joined with AND. */
export interface Where {
  readonly clauses: string[];
  readonly params: unknown[];
}

/** True when the filter names something with an index of its own (not just a time window). */
export function hasSelectiveFilter(filter: AuditFilter): boolean {
  return [filter.ip, filter.cidr, filter.pod, filter.podUid, filter.containerId, filter.node, filter.pool].some(
    (value) => value !== undefined,
  );
}

/**
 * The WHERE of a tenancy question over `tenancies t`. With `sinceViaEnd`, "lasts past since" is
 * read from the tenancies that end after it plus the open ones (`tenancies_by_end`,
 * `tenancies_open`) instead of from everything that began before `until`.
 */
export function tenancyWhere(filter: AuditFilter, options: { sinceViaEnd?: boolean } = {}): Where {
  const where: Where = { clauses: [], params: [] };
  const add = (clause: string, ...params: unknown[]) => {
    where.clauses.push(clause);
    where.params.push(...params);
  };
  if (filter.ip !== undefined) add("t.ip_blob = ?", blobOf(filter.ip));
  if (filter.cidr !== undefined) {
    const { lo, hi } = cidrBlobs(filter.cidr);
    add("t.ip_blob BETWEEN ? AND ?", lo, hi);
  }
  if (filter.pod) add("t.pod_namespace = ? AND t.pod_name = ?", filter.pod.namespace, filter.pod.name);
  if (filter.podUid !== undefined) add("t.pod_uid = ?", filter.podUid);
  if (filter.containerId !== undefined) add("t.container_id = ?", filter.containerId);
  if (filter.node !== undefined) add("t.node = ?", filter.node);
  if (filter.pool !== undefined) add("t.pool = ?", filter.pool);
  if (filter.domain !== undefined) add("t.domain = ?", filter.domain);
  if (filter.untilMs !== undefined) add("t.from_ms < ?", filter.untilMs);
  if (filter.sinceMs !== undefined && options.sinceViaEnd) {
    add(
      "t.id IN (SELECT id FROM tenancies INDEXED BY tenancies_by_end WHERE to_ms > ? UNION ALL SELECT id FROM tenancies INDEXED BY tenancies_open WHERE to_offset IS NULL)",
      filter.sinceMs,
    );
  } else if (filter.sinceMs !== undefined) add("(t.to_ms IS NULL OR t.to_ms > ?)", filter.sinceMs);
  return where;
}

/** The WHERE of an event question over `events e`; owner fields are read from the event body. */
export function eventWhere(
  filter: AuditFilter & { readonly types?: readonly string[]; readonly includeVoided?: boolean },
): Where {
  const where: Where = { clauses: [], params: [] };
  const add = (clause: string, ...params: unknown[]) => {
    where.clauses.push(clause);
    where.params.push(...params);
  };
  const owner = (field: string) => `json_extract(e.body, '$.data.owner.${field}')`;
  if (filter.sinceMs !== undefined) add("e.effective_ms >= ?", filter.sinceMs);
  if (filter.untilMs !== undefined) add("e.effective_ms < ?", filter.untilMs);
  if (!filter.includeVoided) add("e.status = 'accepted'");
  if (filter.types && filter.types.length > 0)
    add(`e.type IN (${filter.types.map(() => "?").join(", ")})`, ...filter.types);
  if (filter.pool !== undefined) add("e.pool = ?", filter.pool);
  if (filter.domain !== undefined) add("e.domain = ?", filter.domain);
  const span =
    filter.ip !== undefined
      ? { lo: blobOf(filter.ip), hi: blobOf(filter.ip) }
      : filter.cidr !== undefined
        ? cidrBlobs(filter.cidr)
        : undefined;
  if (span) {
    const subject = "COALESCE(json_extract(e.body, '$.data.ip'), json_extract(e.body, '$.data.target'))";
    add(`ipledger_span_lo(${subject}) <= ? AND ipledger_span_hi(${subject}) >= ?`, span.hi, span.lo);
  }
  if (filter.pod)
    add(`${owner("podNamespace")} = ? AND ${owner("podName")} = ?`, filter.pod.namespace, filter.pod.name);
  if (filter.podUid !== undefined) add(`${owner("podUid")} = ?`, filter.podUid);
  if (filter.containerId !== undefined)
    add(
      `(${owner("containerId")} = ? OR json_extract(e.body, '$.data.fromContainerId') = ?)`,
      filter.containerId,
      filter.containerId,
    );
  if (filter.node !== undefined) add(`${owner("node")} = ?`, filter.node);
  return where;
}

export function whereSql(where: Where): string {
  return where.clauses.length > 0 ? `WHERE ${where.clauses.join(" AND ")}` : "";
}

/** Cursors are opaque to callers: base64url of the sort key of the last row returned. */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString("base64url");
}

/** Decodes a cursor made by `encodeCursor` with `size` parts, or INVALID_REQUEST. */
export function decodeCursor(cursor: string, size: number): (string | number)[] {
  try {
    const key = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (
      Array.isArray(key) &&
      key.length === size &&
      key.every((part) => typeof part === "string" || typeof part === "number")
    )
      return key;
  } catch {
    // fall through to the error below
  }
  throw new LedgerError(
    "INVALID_REQUEST",
    `after ${JSON.stringify(cursor)} is not a cursor this query returned; pass the "next" value of the previous page`,
    { key: "after" },
  );
}

/** Checks a page size: 1..MAX_PAGE. */
export function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new LedgerError("INVALID_REQUEST", `limit ${limit} must be a whole number from 1 to ${MAX_PAGE}`, {
      key: "limit",
    });
  }
  return limit;
}
