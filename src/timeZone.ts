import { LedgerError } from "../ledger/core/index.js";
import { offsetMinutes } from "./time.js";

// How ipledger prints instants: UTC ISO by default, or in the zone a caller names (`--tz`, `?tz=`).

/** A zone to print times in: UTC, a fixed offset, or an IANA zone (its offset at each instant). */
export type TimeZone =
  | { readonly kind: "utc" }
  | { readonly kind: "offset"; readonly minutes: number }
  | { readonly kind: "iana"; readonly name: string; readonly format: Intl.DateTimeFormat };

export const UTC: TimeZone = { kind: "utc" };

/**
 * Parses `--tz`: `UTC`/`Z`, an offset (`+01:00`, `-0330`), or an IANA name (`Europe/Paris`).
 *
 * @example formatInstant(0, parseTimeZone("+01:00", "--tz")) // "1970-01-01T01:00:00.000+01:00"
 */
export function parseTimeZone(text: string, key: string): TimeZone {
  const trimmed = text.trim();
  if (/^(utc|z|gmt)$/i.test(trimmed)) return UTC;
  const minutes = /^[+-]/.test(trimmed) ? offsetMinutes(trimmed) : undefined;
  if (minutes !== undefined) return minutes === 0 ? UTC : { kind: "offset", minutes };
  try {
    const format = new Intl.DateTimeFormat("en-US", { timeZone: trimmed, timeZoneName: "longOffset" });
    return { kind: "iana", name: trimmed, format };
  } catch {
    throw new LedgerError(
      "INVALID_REQUEST",
      `${key} ${JSON.stringify(text)} is not a time zone; use UTC, an offset like +01:00, or an IANA name like Europe/Paris`,
      { key },
    );
  }
}

function zoneOffsetMinutes(tz: TimeZone, ms: number): number {
  if (tz.kind === "utc") return 0;
  if (tz.kind === "offset") return tz.minutes;
  const name = tz.format.formatToParts(new Date(ms)).find((part) => part.type === "timeZoneName")?.value ?? "GMT";
  return offsetMinutes(name.replace(/^GMT/, "") || "Z") ?? 0;
}

function pad(value: number, width = 2): string {
  return String(Math.abs(value)).padStart(width, "0");
}

/** An instant as ISO 8601 in `tz`: `2026-11-20T03:12:09.000Z` in UTC, `…04:12:09.000+01:00` in Paris. */
export function formatInstant(ms: number, tz: TimeZone = UTC): string {
  if (tz.kind === "utc") return new Date(ms).toISOString();
  const offset = zoneOffsetMinutes(tz, ms);
  const local = new Date(ms + offset * 60_000).toISOString().slice(0, -1);
  return `${local}${offset < 0 ? "-" : "+"}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
}

/** The keys whose values are instants in every audit answer; `retime` rewrites exactly these. */
export const TIME_KEYS: ReadonlySet<string> = new Set([
  "at",
  "from",
  "to",
  "since",
  "until",
  "definedAt",
  "writtenAt",
  "fromWrittenAt",
  "toWrittenAt",
  "signedAt",
]);

/**
 * A copy of an answer with every UTC ISO instant under a time key printed in `tz` instead.
 * Values that are not ISO instants (a writer's clock that could not be read) are kept as they are.
 */
export function retime<T>(value: T, tz: TimeZone): T {
  if (tz.kind === "utc") return value;
  const walk = (node: unknown, key?: string): unknown => {
    if (typeof node === "string" && key !== undefined && TIME_KEYS.has(key)) {
      const ms = Date.parse(node);
      return /^\d{4}-\d{2}-\d{2}T/.test(node) && Number.isFinite(ms) ? formatInstant(ms, tz) : node;
    }
    if (Array.isArray(node)) return node.map((item) => walk(item));
    if (node !== null && typeof node === "object")
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, k)]));
    return node;
  };
  return walk(value) as T;
}
