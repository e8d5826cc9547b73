import { LedgerError } from "./errors.js";
import {
  cidrContains,
  cidrInterval,
  formatAddress,
  formatCidr,
  parseAddress,
  parseCidr,
  type Address,
  type Cidr,
  type Family,
  type Interval,
} from "./ip.js";

/**
 * A pool's usable window: which addresses of its CIDR may be handed out, following Whereabouts'
 * rules (network and last address never used; range_start/range_end ignored when outside).
 */
export interface PoolWindow {
  readonly family: Family;
  readonly cidr: Cidr;
  /** network+1 .. last-1: what requested addresses may use. */
  readonly usable: Interval;
  /** The dynamic window: max(usable.from, range_start) .. min(usable.to, range_end). */
  readonly window: Interval;
  /** Excluded intervals (CIDRs, bare IPs, dash ranges), unsorted as configured. */
  readonly excludes: readonly Interval[];
}

/** One range of a config as written by the user; `key` is where it sits, for error messages. */
export interface RangeSpec {
  readonly range: string;
  readonly rangeStart?: string | undefined;
  readonly rangeEnd?: string | undefined;
  readonly exclude: readonly string[];
  readonly key: string;
}

function invalid(message: string, key: string): LedgerError {
  return new LedgerError("INVALID_CONFIG", `${message} (in ${key})`, { key });
}

/** Parses `range` as a CIDR or as Whereabouts' dash form `a-b/p`. */
function parseRangeText(spec: RangeSpec): { cidr: Cidr; dashStart?: Address; dashEnd?: Address } {
  const text = spec.range.trim();
  const dash = text.indexOf("-");
  if (dash > 0 && !text.slice(0, dash).includes(":") === !text.slice(dash + 1).includes(":")) {
    const first = parseAddress(text.slice(0, dash));
    const cidr = parseCidr(text.slice(dash + 1));
    const last = cidr && parseAddress(text.slice(dash + 1, text.lastIndexOf("/")));
    if (!first || !cidr || !last) {
      throw invalid(
        `range ${JSON.stringify(spec.range)} is neither a CIDR nor "first-last/prefix"; write e.g. "10.1.0.0/24" or "10.1.0.10-10.1.0.50/24"`,
        `${spec.key}.range`,
      );
    }
    if (!cidrContains(cidr, first)) {
      throw invalid(
        `range start ${formatAddress(first)} is not inside ${formatCidr(cidr)}; the part before "-" must lie in the CIDR after it`,
        `${spec.key}.range`,
      );
    }
    return { cidr, dashStart: first, dashEnd: last };
  }
  const cidr = parseCidr(text);
  if (!cidr) {
    throw invalid(
      `range ${JSON.stringify(spec.range)} is not a CIDR; write e.g. "10.1.0.0/24" or "fd00:1::/64"`,
      `${spec.key}.range`,
    );
  }
  return { cidr };
}

function parseBound(text: string | undefined, family: Family, key: string): Address | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const address = parseAddress(text);
  if (!address)
    throw invalid(
      `${JSON.stringify(text)} is not an IP address; write an IPv${family} address inside the range, or leave the key out`,
      key,
    );
  if (address.family !== family) {
    throw invalid(`${text} is an IPv${address.family} address but the range is IPv${family}`, key);
  }
  return address;
}

/** Parses one exclude entry: a CIDR, a bare IP, or a dash range `a-b`. */
export function parseExclude(text: string, family: Family, key: string): Interval {
  const trimmed = text.trim();
  let interval: Interval | undefined;
  let entryFamily: Family | undefined;
  const dash = trimmed.indexOf("-");
  if (trimmed.includes("/")) {
    const cidr = parseCidr(trimmed);
    if (cidr) [interval, entryFamily] = [cidrInterval(cidr), cidr.family];
  } else if (dash > 0) {
    const from = parseAddress(trimmed.slice(0, dash));
    const to = parseAddress(trimmed.slice(dash + 1));
    if (from && to && from.family === to.family && from.value <= to.value) {
      [interval, entryFamily] = [{ from: from.value, to: to.value }, from.family];
    }
  } else {
    const address = parseAddress(trimmed);
    if (address) [interval, entryFamily] = [{ from: address.value, to: address.value }, address.family];
  }
  if (!interval || entryFamily === undefined) {
    throw invalid(
      `exclude entry ${JSON.stringify(text)} is not a CIDR, an IP or a range "first-last" (first ≤ last)`,
      key,
    );
  }
  if (entryFamily !== family) {
    throw invalid(
      `exclude entry ${text} is IPv${entryFamily} but the range it applies to is IPv${family}; top-level exclude applies only to "range", put it under its ipRanges entry`,
      key,
    );
  }
  return interval;
}

/**
 * Refuses a range whose configured start lies past its end (`range_start` > `range_end`, or a
 * dash range "b-a/p"). Whereabouts ignores the bounds then, so the pod gets an address the user
 * tried to keep out; writers refuse instead. The fold does not call this: what is logged stays valid.
 */
export function refuseInvertedBounds(spec: RangeSpec): void {
  const { cidr, dashStart, dashEnd } = parseRangeText(spec);
  const start = dashStart ?? parseBound(spec.rangeStart, cidr.family, `${spec.key}.range_start`);
  const end = dashEnd ?? parseBound(spec.rangeEnd, cidr.family, `${spec.key}.range_end`);
  if (!start || !end || start.value <= end.value) return;
  const [first, last] = dashStart
    ? [`${spec.key}.range`, `${spec.key}.range`]
    : [`${spec.key}.range_start`, `${spec.key}.range_end`];
  const keys =
    first === last ? first : `${first} ${formatAddress(start)} is greater than ${last} ${formatAddress(end)}`;
  const message = dashStart
    ? `${first} ${JSON.stringify(spec.range)} starts at ${formatAddress(start)}, past its end ${formatAddress(end)}; write "first-last/prefix" with first ≤ last`
    : `${keys}; swap them or leave one out`;
  throw new LedgerError("INVALID_CONFIG", message, { key: first });
}

/**
 * Resolves a range spec into its window. Throws `INVALID_CONFIG` naming the key for anything
 * that cannot be parsed or leaves no usable address.
 *
 * @example
 *   resolveWindow({ range: "192.168.2.225/28", exclude: [], key: "ipam" }).window
 *   // { from: 192.168.2.225, to: 192.168.2.238 } as bigints
 */
export function resolveWindow(spec: RangeSpec): PoolWindow {
  const { cidr, dashStart, dashEnd } = parseRangeText(spec);
  const whole = cidrInterval(cidr);
  if (whole.to - whole.from < 3n) {
    throw invalid(
      `range ${formatCidr(cidr)} has no usable addresses (a /${cidr.prefix} is too small: use at most /${cidr.family === 4 ? 30 : 126})`,
      `${spec.key}.range`,
    );
  }
  const usable = { from: whole.from + 1n, to: whole.to - 1n };
  const start = dashStart ?? parseBound(spec.rangeStart, cidr.family, `${spec.key}.range_start`);
  const end = dashEnd ?? parseBound(spec.rangeEnd, cidr.family, `${spec.key}.range_end`);
  // Whereabouts silently ignores bounds outside the usable window "for backwards compatibility".
  const from = start && start.value >= usable.from && start.value <= usable.to ? start.value : usable.from;
  const to = end && end.value >= from && end.value <= usable.to ? end.value : usable.to;
  const excludes = spec.exclude.map((entry, index) =>
    parseExclude(entry, cidr.family, `${spec.key}.exclude[${index}]`),
  );
  return { family: cidr.family, cidr, usable, window: { from, to }, excludes };
}

/** Whereabouts' IPPool name: the normalised CIDR with ":" and "/" turned into "-". */
export function poolNameOf(cidr: Cidr, networkName: string): string {
  const normalized = formatCidr(cidr).replaceAll(":", "-").replaceAll("/", "-");
  return networkName === "" ? normalized : `${networkName}-${normalized}`;
}

export function isExcluded(window: PoolWindow, value: bigint): boolean {
  return window.excludes.some((interval) => value >= interval.from && value <= interval.to);
}
