import type { Interval } from "./ip.js";

/**
 * What a writer has seen of contention in the moments before a decision, passed in with the
 * command so the decider stays pure. Absent, the decider behaves as a lone writer: lowest free.
 */
export interface ContentionSeen {
  /** The writer's node name: where in the free list its picks start once it spreads. */
  readonly node: string;
  /** Claims of this writer voided recently (a decaying count): others are claiming the same addresses. */
  readonly recentVoids: number;
  /** Claims this writer has appended but not yet seen folded: a burst is under way. */
  readonly inFlight: number;
}

/**
 * True when picks should spread. A lone writer serving one ADD at a time keeps Whereabouts' order
 * (lowest free). Recent voids prove other writers claim the same addresses; a burst of in-flight
 * claims is when other nodes are likeliest to be bursting too (a rollout scales many nodes at
 * once), and every concurrent writer that starts at the lowest free address collides.
 */
export function isContended(seen: ContentionSeen | undefined): boolean {
  return seen !== undefined && (seen.recentVoids > 0 || seen.inFlight > 0);
}

/**
 * Where a contended writer starts its free-address walk: the node name hashed into the window, so
 * concurrent writers start far apart and mostly claim disjoint runs, and each node always starts at
 * the same place (deterministic, and no coordination between nodes). The walk wraps at the end.
 *
 * @example spreadStart({ from: 1n, to: 4094n }, "worker-7") // the same offset on every agent
 */
export function spreadStart(window: Interval, node: string): bigint {
  const size = window.to - window.from + 1n;
  return window.from + ((size * BigInt(fnv1a32(node))) >> 32n);
}

/** FNV-1a over the UTF-16 code units, with a final avalanche so similar names land far apart. */
function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
