import { LedgerError } from "../../ledger/core/index.js";
import type { AuditFilter } from "../../projections/sqlite/queries.js";
import { parseInstant } from "../time.js";
import { parseTimeZone, UTC, type TimeZone } from "../timeZone.js";

/** The filter fields as the HTTP API and the CLI name them (`pod` is `NAMESPACE/NAME`, times as `parseInstant` reads them). */
export interface FilterParams {
  readonly ip?: string | undefined;
  readonly cidr?: string | undefined;
  readonly pod?: string | undefined;
  readonly podUid?: string | undefined;
  readonly container?: string | undefined;
  readonly node?: string | undefined;
  readonly pool?: string | undefined;
  readonly domain?: string | undefined;
  readonly since?: string | undefined;
  readonly until?: string | undefined;
}

/** `NAMESPACE/NAME`, or INVALID_REQUEST naming `key`. */
export function parsePod(text: string, key = "pod"): { namespace: string; name: string } {
  const [namespace, name, extra] = text.split("/");
  if (!namespace || !name || extra !== undefined)
    throw new LedgerError("INVALID_REQUEST", `${key} ${JSON.stringify(text)} must be NAMESPACE/NAME`, { key });
  return { namespace, name };
}

/**
 * Turns named parameters into an `AuditFilter`; `keyOf` names each parameter in errors the way
 * the caller spells it (`pod` for HTTP, `--pod` for the CLI).
 *
 * @example filterOf({ pod: "shop/web-0", since: "2h ago" }, (name) => `--${name}`)
 */
export function filterOf(
  params: FilterParams,
  keyOf: (name: string) => string = (name) => name,
  nowMs: number = Date.now(),
): AuditFilter {
  const present = (value: string | undefined): value is string => value !== undefined && value !== "";
  const sinceMs = present(params.since) ? parseInstant(params.since, keyOf("since"), nowMs) : undefined;
  const untilMs = present(params.until) ? parseInstant(params.until, keyOf("until"), nowMs) : undefined;
  if (sinceMs !== undefined && untilMs !== undefined && untilMs <= sinceMs) {
    throw new LedgerError(
      "INVALID_REQUEST",
      `${keyOf("until")} ${new Date(untilMs).toISOString()} must be after ${keyOf("since")} ${new Date(sinceMs).toISOString()}`,
      { key: keyOf("until") },
    );
  }
  if (present(params.ip) && present(params.cidr))
    throw new LedgerError("INVALID_REQUEST", `pass ${keyOf("ip")} or ${keyOf("cidr")}, not both`, {
      key: keyOf("cidr"),
    });
  return {
    ...(present(params.ip) ? { ip: params.ip } : {}),
    ...(present(params.cidr) ? { cidr: params.cidr } : {}),
    ...(present(params.pod) ? { pod: parsePod(params.pod, keyOf("pod")) } : {}),
    ...(present(params.podUid) ? { podUid: params.podUid } : {}),
    ...(present(params.container) ? { containerId: params.container } : {}),
    ...(present(params.node) ? { node: params.node } : {}),
    ...(present(params.pool) ? { pool: params.pool } : {}),
    ...(params.domain !== undefined ? { domain: params.domain } : {}),
    ...(sinceMs !== undefined ? { sinceMs } : {}),
    ...(untilMs !== undefined ? { untilMs } : {}),
  };
}

/** True when the filter names anything at all. */
export function isEmptyFilter(filter: AuditFilter): boolean {
  return Object.keys(filter).length === 0;
}

/** `--tz`/`?tz=`: UTC when absent. */
export function timeZoneOf(text: string | undefined, key: string): TimeZone {
  return text === undefined || text === "" ? UTC : parseTimeZone(text, key);
}

/** The event types `changes` and event exports may be narrowed to. */
export const CHANGE_TYPES = [
  "PoolDefined",
  "AddressAllocated",
  "AddressReleased",
  "AllocationAdopted",
  "AddressReserved",
  "ReservationLifted",
  "CheckpointSigned",
] as const;

/** What `changes` lists by default: every change to pools and addresses, not the log's own attestations. */
export const DEFAULT_CHANGE_TYPES: readonly string[] = CHANGE_TYPES.filter((type) => type !== "CheckpointSigned");

/** A comma-separated list of event types, checked. */
export function parseTypes(text: string | undefined, key: string): string[] | undefined {
  if (text === undefined || text === "") return undefined;
  const types = text
    .split(",")
    .map((type) => type.trim())
    .filter(Boolean);
  const unknown = types.find((type) => !(CHANGE_TYPES as readonly string[]).includes(type));
  if (unknown !== undefined)
    throw new LedgerError("INVALID_REQUEST", `${key} ${unknown} is not an event type; use ${CHANGE_TYPES.join(", ")}`, {
      key,
    });
  return types;
}
