import { parseAddress } from "../../ledger/core/index.js";
import { blobOfAddress } from "./auditFilters.js";
import type { PointInTime } from "./pointInTime.js";
import type { Holder } from "./tenancyRows.js";

/**
 * What one probe found: the holders at that instant (empty = unallocated), or why the address
 * could not be read. `key` names the set of tenancies found and `count` how many there are, so a
 * caller that already rendered an identical answer need not read `holders` (read lazily) at all.
 */
export type Attribution =
  | { readonly holders: readonly Holder[]; readonly key?: string; readonly count?: number }
  | { readonly invalid: string };

interface Span {
  readonly loMs: number;
  /** Exclusive; Infinity while the answer holds from `loMs` on. */
  readonly hiMs: number;
  /** The answer for any instant of the span, made once: holders read on demand. */
  readonly answer: Attribution;
}

interface Entry {
  readonly blob: Buffer;
  readonly domains: readonly string[];
  span: Span | undefined;
}

export const DEFAULT_CACHE_ENTRIES = 200_000;
const HOLDER_CACHE_ENTRIES = 4_096;

/**
 * A bounded cache in two generations: hits in the young map cost one lookup; hits in the old one
 * are promoted; when the young map is full it becomes the old one and the old one is dropped.
 * Close to LRU, with none of its per-hit bookkeeping, and never more than `limit` entries.
 */
class GenerationalCache<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  constructor(private readonly limit: number) {}

  get(key: K): V | undefined {
    const hit = this.young.get(key);
    if (hit !== undefined) return hit;
    const aged = this.old.get(key);
    if (aged !== undefined) this.set(key, aged);
    return aged;
  }

  set(key: K, value: V): void {
    if (this.young.size >= Math.max(1, Math.floor(this.limit / 2))) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }

  get size(): number {
    return this.young.size + this.old.size;
  }
}

/**
 * Answers "who held IP at T" for a stream of probes (firewall logs), fast and in bounded
 * memory. For each address it remembers, in a cache of at most `maxEntries` addresses (about 200
 * bytes each, least recently used dropped first), the interval over which its last answer stays true: the covering tenancy's
 * [from, to), or the gap between the previous tenancy's end and the next one's start, as row
 * ids. Holder rows are read only when a caller asks for them, through a small LRU of their own.
 * Probes of the same address close in time, the common case in a log, then cost two map lookups;
 * others cost a few index seeks.
 *
 * The projection must not change under a resolver: give it a read snapshot, or build one per
 * request.
 *
 * @example
 *   const resolver = createAttributionResolver(pointInTime);
 *   resolver.resolve("10.20.4.17", Date.parse("2026-11-20T03:12:09Z")); // { holders: [...] }
 */
export function createAttributionResolver(points: PointInTime, options: { maxEntries?: number } = {}) {
  const maxEntries = options.maxEntries ?? DEFAULT_CACHE_ENTRIES;
  const cache = new GenerationalCache<string, Entry | string>(maxEntries);
  const holders = new GenerationalCache<number, Holder>(HOLDER_CACHE_ENTRIES);

  const entryFor = (ip: string): Entry | string => {
    let entry = cache.get(ip);
    if (entry === undefined) {
      const address = parseAddress(ip);
      if (!address) entry = `${JSON.stringify(ip)} is not an IP address`;
      else {
        const blob = blobOfAddress(address);
        entry = { blob, domains: points.domainsOf(blob), span: undefined };
      }
      cache.set(ip, entry);
    }
    return entry;
  };

  const holderOf = (id: number): Holder => {
    let holder = holders.get(id);
    if (holder === undefined) holders.set(id, (holder = points.holder(id)));
    return holder;
  };

  const spanAt = (entry: Entry, atMs: number): Span => {
    let loMs = -Infinity;
    let hiMs = Infinity;
    const ids: number[] = [];
    for (const domain of entry.domains) {
      const candidate = points.latestBefore(entry.blob, domain, atMs);
      if (candidate && points.covers(candidate, atMs)) {
        ids.push(candidate.id);
        loMs = Math.max(loMs, candidate.fromMs);
        hiMs = Math.min(hiMs, candidate.toMs ?? Infinity);
      } else {
        loMs = Math.max(loMs, candidate?.toMs ?? -Infinity);
        hiMs = Math.min(hiMs, points.nextStart(entry.blob, domain, atMs) ?? Infinity);
      }
    }
    return {
      loMs,
      hiMs,
      answer: {
        key: ids.join(","),
        count: ids.length,
        get holders(): readonly Holder[] {
          return ids.map(holderOf);
        },
      },
    };
  };

  return {
    resolve(ip: string, atMs: number): Attribution {
      const entry = entryFor(ip);
      if (typeof entry === "string") return { invalid: entry };
      let span = entry.span;
      if (!span || atMs < span.loMs || atMs >= span.hiMs) entry.span = span = spanAt(entry, atMs);
      return span.answer;
    },
    /** Addresses currently remembered (bounded by `maxEntries`). */
    size: (): number => cache.size,
  };
}

export type AttributionResolver = ReturnType<typeof createAttributionResolver>;
