import type { Holder } from "../../projections/sqlite/tenancyRows.js";
import type { Span } from "../readModel/leanReads.js";

export type { Span };

/** A whole tenancy as a span (for sources that answer only whole rows, like an agent's socket); `id` is its index. */
export function spanOf(holder: Holder, index: number): Span {
  return {
    id: index,
    fromMs: Date.parse(holder.from),
    toMs: holder.to === null ? null : Date.parse(holder.to),
    domain: holder.domain,
    podNamespace: holder.podNamespace,
    podName: holder.podName,
  };
}

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
export function shapeTimeline(spans: readonly Span[], fromMs: number, toMs: number, offset = 0): Timeline {
  const lanes = [...new Set(spans.map((span) => span.domain))].sort();
  if (spans.length <= MAX_BARS) {
    return {
      fromMs,
      toMs,
      total: spans.length,
      bars: spans.map((span, index) => ({
        fromMs: span.fromMs,
        toMs: span.toMs,
        label: `${span.podNamespace}/${span.podName}`,
        lane: lanes.indexOf(span.domain),
        index: offset + index,
      })),
      density: null,
      lanes,
    };
  }
  const density = new Array<number>(BUCKETS).fill(0);
  const width = (toMs - fromMs) / BUCKETS;
  for (const bar of spans) {
    const first = Math.max(0, Math.floor((bar.fromMs - fromMs) / width));
    const last = Math.min(BUCKETS - 1, Math.floor(((bar.toMs ?? toMs) - fromMs) / width));
    for (let bucket = first; bucket <= last; bucket += 1) density[bucket] = (density[bucket] ?? 0) + 1;
  }
  return { fromMs, toMs, total: spans.length, bars: null, density, lanes };
}

/**
 * The default window of a history: from its first start to a little after its last change (an
 * open tenancy then runs to the right edge), not to now, which may be months later.
 */
export function historyWindow(spans: readonly Span[], nowMs: number): { fromMs: number; toMs: number } {
  if (spans.length === 0) return { fromMs: nowMs - 86_400_000, toMs: nowMs };
  let fromMs = Number.POSITIVE_INFINITY;
  let lastMs = Number.NEGATIVE_INFINITY;
  for (const span of spans) {
    fromMs = Math.min(fromMs, span.fromMs);
    lastMs = Math.max(lastMs, span.toMs ?? span.fromMs);
  }
  const margin = Math.max(3_600_000, (lastMs - fromMs) * 0.05);
  return { fromMs, toMs: Math.min(Math.max(nowMs, lastMs), lastMs + margin) };
}

/**
 * Held addresses over time from a pool's tenancies: a step function sampled at `points` equal
 * instants between `fromMs` and `toMs` (the maximum within each slice, so a short peak shows).
 */
export function utilisation(
  spans: Iterable<Span>,
  fromMs: number,
  toMs: number,
  points = 300,
): { at: number[]; held: number[] } {
  const changes: [number, number][] = [];
  for (const span of spans) {
    const start = span.fromMs;
    const end = span.toMs ?? Number.POSITIVE_INFINITY;
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
