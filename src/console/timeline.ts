import type { Holder } from "../../projections/sqlite/tenancyRows.js";

/** A timeline holds at most this many bars; beyond, it is drawn as a density of holders. */
export const MAX_BARS = 2_000;
const BUCKETS = 400;

export interface Bar {
  readonly fromMs: number;
  /** null while it lasts. */
  readonly toMs: number | null;
  /** The row of the tenancy in the table (oldest first). */
  readonly index: number;
  readonly label: string;
  /** Which horizontal lane: one per allocation domain (network), so overlapping networks do not hide each other. */
  readonly lane: number;
}

export interface Timeline {
  readonly fromMs: number;
  readonly toMs: number;
  readonly total: number;
  readonly bars: Bar[] | null;
  /** When there are too many bars: how many tenancies overlap each of BUCKETS equal slices. */
  readonly density: number[] | null;
  readonly lanes: string[];
}

/**
 * Shapes an address's tenancies (oldest first) for drawing between `fromMs` and `toMs`: the bars
 * themselves when few enough, else a density the browser can draw in one pass. Aggregating here
 * keeps a 10,000-tenancy history to a few kilobytes on the wire.
 */
export function shapeTimeline(holders: readonly Holder[], fromMs: number, toMs: number, offset = 0): Timeline {
  const lanes = [...new Set(holders.map((holder) => holder.domain))].sort();
  const intervals = holders.map((holder) => ({
    fromMs: Date.parse(holder.from),
    toMs: holder.to === null ? null : Date.parse(holder.to),
    label: `${holder.podNamespace}/${holder.podName}`,
    lane: lanes.indexOf(holder.domain),
  }));
  if (intervals.length <= MAX_BARS) {
    return {
      fromMs,
      toMs,
      total: intervals.length,
      bars: intervals.map((bar, index) => ({ ...bar, index: offset + index })),
      density: null,
      lanes,
    };
  }
  const density = new Array<number>(BUCKETS).fill(0);
  const width = (toMs - fromMs) / BUCKETS;
  for (const bar of intervals) {
    const first = Math.max(0, Math.floor((bar.fromMs - fromMs) / width));
    const last = Math.min(BUCKETS - 1, Math.floor(((bar.toMs ?? toMs) - fromMs) / width));
    for (let bucket = first; bucket <= last; bucket += 1) density[bucket] = (density[bucket] ?? 0) + 1;
  }
  return { fromMs, toMs, total: intervals.length, bars: null, density, lanes };
}

/**
 * The default window of a history: from its first start to a little after its last change (an
 * open tenancy then runs to the right edge), not to now, which may be months later.
 */
export function historyWindow(holders: readonly Holder[], nowMs: number): { fromMs: number; toMs: number } {
  if (holders.length === 0) return { fromMs: nowMs - 86_400_000, toMs: nowMs };
  let fromMs = Number.POSITIVE_INFINITY;
  let lastMs = Number.NEGATIVE_INFINITY;
  for (const holder of holders) {
    fromMs = Math.min(fromMs, Date.parse(holder.from));
    lastMs = Math.max(lastMs, Date.parse(holder.to ?? holder.from));
  }
  const margin = Math.max(3_600_000, (lastMs - fromMs) * 0.05);
  return { fromMs, toMs: Math.min(Math.max(nowMs, lastMs), lastMs + margin) };
}

/**
 * Held addresses over time from a pool's tenancies: a step function sampled at `points` equal
 * instants between `fromMs` and `toMs` (the maximum within each slice, so a short peak shows).
 */
export function utilisation(
  holders: Iterable<Holder>,
  fromMs: number,
  toMs: number,
  points = 300,
): { at: number[]; held: number[] } {
  const changes: [number, number][] = [];
  for (const holder of holders) {
    const start = Date.parse(holder.from);
    const end = holder.to === null ? Number.POSITIVE_INFINITY : Date.parse(holder.to);
    if (end <= start) continue;
    changes.push([start, 1], [end, -1]);
  }
  changes.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const step = Math.max(1, (toMs - fromMs) / points);
  const at: number[] = [];
  const held: number[] = [];
  let level = 0;
  let next = 0;
  for (let i = 0; i < points; i += 1) {
    const sliceEnd = fromMs + step * (i + 1);
    let peak = level;
    while (next < changes.length && (changes[next] as [number, number])[0] < sliceEnd) {
      level += (changes[next] as [number, number])[1];
      peak = Math.max(peak, level);
      next += 1;
    }
    at.push(Math.round(fromMs + step * i));
    held.push(peak);
  }
  return { at, held };
}
