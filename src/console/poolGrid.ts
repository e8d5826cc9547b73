import { formatAddress, parseAddress, parseExclude, resolveWindow, type Interval } from "../../ledger/core/index.js";
import type { Holder, PoolState } from "../../projections/sqlite/queries.js";

/** One byte per address of the window, in address order. */
export const CELL = { free: 0, held: 1, reserved: 2, excluded: 3, cooling: 4, otherPool: 5 } as const;

/** Beyond this many addresses the grid is not drawn (an IPv6 /64 has 2^64): counts only. */
export const MAX_GRID_CELLS = 1 << 20;

export interface PoolGrid {
  readonly first: string;
  readonly size: number;
  /** base64 of one CELL value per address, or null when the window is too large to draw. */
  readonly cells: string | null;
  readonly cooling: number;
}

const DOTTED = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

/**
 * An address's value, read without the general parser for the canonical IPv4 text the projection
 * stores (a 65,536-address grid parses every holder: the general parser took most of its time).
 */
export function addressValue(ip: string): bigint | undefined {
  const octets = DOTTED.exec(ip);
  if (octets) {
    const [a, b, c, d] = octets.slice(1).map(Number) as [number, number, number, number];
    if (a <= 255 && b <= 255 && c <= 255 && d <= 255) return BigInt(((a * 256 + b) * 256 + c) * 256 + d);
  }
  return parseAddress(ip)?.value;
}

/**
 * Colours the pool's dynamic window as it was at `state.at`: held (through this pool or an
 * overlapping one), reserved, excluded, cooling down (released less than the pool's reuse
 * cooldown ago, so the allocator would not hand it out yet), or free.
 */
export function poolGrid(
  state: Pick<PoolState, "definition" | "reservations" | "at"> & {
    readonly holders: readonly Pick<Holder, "ip">[];
    readonly otherPools: readonly Pick<Holder, "ip">[];
  },
  recentlyEnded: readonly Holder[],
): PoolGrid {
  const definition = state.definition;
  const window = resolveWindow({
    range: definition.range,
    rangeStart: definition.start,
    rangeEnd: definition.end,
    exclude: definition.exclude,
    key: "pool",
  }).window;
  const family = (parseAddress(definition.range.split("/")[0] ?? "")?.family ?? 4) as 4 | 6;
  const span = window.to - window.from + 1n;
  const first = formatAddress({ family, value: window.from });
  if (span > BigInt(MAX_GRID_CELLS))
    return {
      first,
      size: Number(span > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : span),
      cells: null,
      cooling: 0,
    };
  const size = Number(span);
  const cells = new Uint8Array(size);
  const paint = (interval: Interval, value: number) => {
    const lo = interval.from > window.from ? interval.from : window.from;
    const hi = interval.to < window.to ? interval.to : window.to;
    for (let v = lo; v <= hi; v += 1n) cells[Number(v - window.from)] = value;
  };
  const indexOf = (ip: string): number => {
    const value = addressValue(ip);
    return value === undefined || value < window.from || value > window.to ? -1 : Number(value - window.from);
  };
  for (const entry of definition.exclude) paint(parseExclude(entry, family, "exclude"), CELL.excluded);
  for (const reservation of state.reservations) {
    try {
      paint(parseExclude(reservation.target, family, "target"), CELL.reserved);
    } catch {
      // A reservation target the pool's family cannot read reserves nothing here.
    }
  }
  for (const holder of state.otherPools) {
    const index = indexOf(holder.ip);
    if (index >= 0) cells[index] = CELL.otherPool;
  }
  for (const holder of state.holders) {
    const index = indexOf(holder.ip);
    if (index >= 0) cells[index] = CELL.held;
  }
  // Last: only a free address can be cooling down (one released and taken again is held).
  const atMs = Date.parse(state.at);
  const cooldownMs = definition.reuseCooldownSeconds * 1000;
  let cooling = 0;
  for (const ended of recentlyEnded) {
    const index = indexOf(ended.ip);
    const toMs = ended.to === null ? Number.NaN : Date.parse(ended.to);
    if (index >= 0 && cells[index] === CELL.free && toMs <= atMs && toMs > atMs - cooldownMs) {
      cells[index] = CELL.cooling;
      cooling += 1;
    }
  }
  return { first, size, cells: Buffer.from(cells).toString("base64"), cooling };
}
