import type { Owner } from "./events.js";
import { addressKey, type Interval } from "./ip.js";
import { blockingIntervals, coolingBlocks, ownerKeysOf } from "./availability.js";
import type { DomainRecord, PoolRecord } from "./state.js";
import type { PoolWindow } from "./window.js";

/**
 * Up to `count` free addresses of a pool's window, lowest first; from `startAt` on when given,
 * wrapping round to the window's start (a contended writer's spread, see `spreadStart`). The walk
 * jumps over excluded and reserved intervals and over runs of held addresses, so its cost grows
 * with the number of allocations and exclusions, never with the size of the range: a /64 costs
 * what a /24 costs.
 */
export function lowestFree(
  domain: DomainRecord | undefined,
  pool: Pick<PoolRecord, "window"> & { window: PoolWindow },
  owner: Owner,
  nowMs: number,
  avoid: ReadonlySet<string>,
  count: number,
  startAt?: bigint,
): bigint[] {
  const { window } = pool;
  const walk = (span: Interval, found: bigint[]) => walkFree(domain, window, span, owner, nowMs, avoid, count, found);
  const { from, to } = window.window;
  if (startAt === undefined || startAt <= from || startAt > to) return walk({ from, to }, []);
  const found = walk({ from: startAt, to }, []);
  return found.length < count ? walk({ from, to: startAt - 1n }, found) : found;
}

function walkFree(
  domain: DomainRecord | undefined,
  window: PoolWindow,
  span: Interval,
  owner: Owner,
  nowMs: number,
  avoid: ReadonlySet<string>,
  count: number,
  found: bigint[],
): bigint[] {
  const family = window.family;
  const blocking = blockingIntervals(domain, window);
  const sorted = domain?.sorted[family];
  const ownerKeys = ownerKeysOf(owner);
  let candidate = span.from;
  let heldIndex = sorted ? sorted.lowerBound(candidate) : 0;

  while (candidate <= span.to && found.length < count) {
    const interval = blocking.find((entry) => candidate >= entry.from && candidate <= entry.to);
    if (interval) {
      candidate = interval.to + 1n;
      if (sorted) heldIndex = sorted.lowerBound(candidate);
      continue;
    }
    if (sorted && sorted.at(heldIndex) === candidate) {
      // Skip the whole run of consecutive held addresses in one binary search.
      const end = sorted.runEnd(heldIndex);
      candidate = (sorted.at(end) as bigint) + 1n;
      heldIndex = end + 1;
      continue;
    }
    if (avoid.size > 0 || (domain && domain.cooling.size > 0)) {
      const key = addressKey({ family, value: candidate });
      if (avoid.has(key) || coolingBlocks(domain, key, ownerKeys, nowMs)) {
        candidate += 1n;
        continue;
      }
    }
    found.push(candidate);
    candidate += 1n;
  }
  return found;
}
