import { LedgerError } from "../ledger/core/index.js";

/**
 * Times as people give them: ISO 8601 **with a zone**, epoch seconds or milliseconds, `now`, or a
 * relative form (`2h ago`, `90 minutes ago`, `1d12h ago`). How ipledger prints them, in UTC or in
 * the zone a caller names (`--tz`), is in timeZone.ts.
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1_000,
  sec: 1_000,
  secs: 1_000,
  second: 1_000,
  seconds: 1_000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
  weeks: 604_800_000,
};

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const HINT =
  'use ISO 8601 with a zone like 2026-11-20T03:12:09Z, epoch seconds (10 digits) or milliseconds (13 digits), "now", or "2h ago"';

function invalid(key: string, text: string, why: string): LedgerError {
  return new LedgerError("INVALID_REQUEST", `${key} ${JSON.stringify(text)} ${why}; ${HINT}`, { key });
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Minutes east of UTC for `Z`, `+01`, `+0100`, `+01:00`; undefined when it is not an offset. */
export function offsetMinutes(zone: string): number | undefined {
  if (/^z$/i.test(zone)) return 0;
  const match = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!match) return undefined;
  const hours = Number(match[2]);
  const minutes = Number(match[3] ?? "0");
  if (hours > 23 || minutes > 59) return undefined;
  return (match[1] === "-" ? -1 : 1) * (hours * 60 + minutes);
}

/** An ISO 8601 time; `assumeZone` stands in for a missing zone (attribute's `--assume-zone`). */
function parseIso(text: string, key: string, assumeZone?: string): number | undefined {
  const match = ISO.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s = "0", fraction = "", zone] = match;
  const year = Number(y),
    month = Number(mo),
    day = Number(d),
    hour = Number(h),
    minute = Number(mi),
    second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) {
    throw invalid(key, text, "is not a valid calendar time");
  }
  const effectiveZone = zone ?? assumeZone;
  if (effectiveZone === undefined)
    throw invalid(key, text, "has no zone, so it is ambiguous (add Z or an offset such as +01:00)");
  const offset = offsetMinutes(effectiveZone);
  if (offset === undefined) throw invalid(key, text, `has an invalid zone offset ${effectiveZone}`);
  const ms = Math.floor(Number(`0.${fraction || "0"}`) * 1000);
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset * 60_000;
}

const UTC_ISO = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,3}))?Z$/;
let lastDay = "";
let lastDayMs = NaN;

/**
 * The fast path for the commonest form, `2026-11-20T03:12:09.123Z` (what ipledger prints, and
 * most log shippers): one match and the day's start remembered, since a log's times share days.
 * Anything else, or an impossible date, falls through to the full parser and its messages.
 */
function parseUtcIso(text: string): number | undefined {
  const match = UTC_ISO.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, ms = "0"] = match;
  const hour = Number(h),
    minute = Number(mi),
    second = Number(s);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const day = text.slice(0, 10);
  if (day !== lastDay) {
    const year = Number(y),
      month = Number(mo),
      date = Number(d);
    if (month < 1 || month > 12 || date < 1 || date > daysIn(year, month)) return undefined;
    lastDay = day;
    lastDayMs = Date.UTC(year, month - 1, date);
  }
  return lastDayMs + hour * 3_600_000 + minute * 60_000 + second * 1_000 + Number(ms.padEnd(3, "0"));
}

/** `2h ago`, `90 minutes ago`, `1d 12h ago`: the sum of the parts, before `nowMs`. */
function parseRelative(text: string, key: string, nowMs: number): number | undefined {
  const match = /^(.+?)\s+ago$/i.exec(text);
  if (!match) return undefined;
  const parts = /^(?:\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*)+$/i.test(match[1] as string)
    ? [...(match[1] as string).matchAll(/(\d+(?:\.\d+)?)\s*([a-z]+)/gi)]
    : [];
  if (parts.length === 0) throw invalid(key, text, "is not a relative time like 2h ago");
  let total = 0;
  for (const [, amount, unit] of parts) {
    const unitMs = UNIT_MS[(unit as string).toLowerCase()];
    if (unitMs === undefined)
      throw invalid(key, text, `has an unknown unit ${JSON.stringify(unit)} (use s, m, h, d or w)`);
    total += Number(amount) * unitMs;
  }
  return Math.round(nowMs - total);
}

/**
 * Parses a point in time given by a person: ISO 8601 with a zone (`2026-11-20T03:12:09Z`,
 * `…+01:00`, a space instead of `T`), epoch seconds (10 digits, optional fraction) or
 * milliseconds (13 digits), `now`, or a relative time (`2h ago`, `1d12h ago`). A time without a
 * zone, an impossible date (Feb 30) and a bare number of another length are refused as
 * ambiguous or invalid, with a message naming `key`.
 *
 * @example parseInstant("2026-11-20T03:12:09Z", "at") // 1795144329000
 */
export function parseInstant(
  text: string,
  key: string,
  nowMs: number = Date.now(),
  options: { assumeZone?: string } = {},
): number {
  const fast = parseUtcIso(text);
  if (fast !== undefined) return fast;
  const trimmed = text.trim();
  if (trimmed === "") throw invalid(key, text, "is empty");
  if (/^now$/i.test(trimmed)) return nowMs;
  if (/^\d{10}(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  if (/^\d{13}$/.test(trimmed)) return Number(trimmed);
  if (/^\d+(\.\d+)?$/.test(trimmed)) throw invalid(key, text, "is a number of ambiguous unit");
  const relative = parseRelative(trimmed, key, nowMs);
  if (relative !== undefined) return relative;
  const iso = parseIso(trimmed, key, options.assumeZone);
  if (iso !== undefined) return iso;
  if (/^\d{4}-\d{2}-\d{2}$/.test(trimmed))
    throw invalid(key, text, "is a date without a time and zone, so it is ambiguous (write 2026-11-20T00:00:00Z)");
  throw invalid(key, text, "is not a time");
}
