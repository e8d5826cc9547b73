import type { Owner, PoolDefinition } from "./events.js";
import { addressKey, type Family } from "./ip.js";
import { SortedAddresses } from "./sortedAddresses.js";
import {
  attachmentKeyOf,
  newDomainRecord,
  podInterfaceKeyOf,
  type Cooling,
  type DomainRecord,
  type Holding,
  type LedgerState,
  type PoolRecord,
  type Position,
} from "./state.js";
import { parseExclude, resolveWindow } from "./window.js";

/**
 * The fold's state as a stream of plain JSON records, and back: what a snapshot holds. Every
 * Map keeps its order (GC, drain and the sticky memory's eviction iterate in insertion order),
 * so a restored state folds the tail exactly as the original would have. Pure: no I/O.
 *
 * Bump SNAPSHOT_VERSION whenever a record changes shape; a reader refuses any other version and
 * the agent folds from an older snapshot or from the start instead.
 */
export const SNAPSHOT_VERSION = 1;

export type SnapshotRecord =
  | { k: "head"; version: number; positions: [number, number][]; heads: [number, string][]; recentIdLimit: number }
  | {
      k: "pool";
      key: string;
      name: string;
      domain: string;
      definition: PoolDefinition;
      lastAddress: [string, string][];
    }
  | {
      k: "hold";
      pool: string;
      ip: string;
      family: Family;
      value: string;
      owner: Owner;
      requested: boolean;
      since: Position;
      eventId: string;
    }
  | { k: "podrefs"; pool: string; refs: [string, string][] }
  | {
      k: "domain";
      name: string;
      reservations: { pool: string; target: string; family: Family; note: string }[];
      cooling: Cooling[];
      lastEffectiveMs: number;
      recentIds: string[];
    }
  | { k: "held"; domain: string; refs: [string, string][] };

const CHUNK = 10_000;

/** The state and the chain head of every partition it has folded, as records (lazily). */
export function* snapshotRecords(state: LedgerState, heads: ReadonlyMap<number, string>): Generator<SnapshotRecord> {
  yield {
    k: "head",
    version: SNAPSHOT_VERSION,
    positions: [...state.applied],
    heads: [...heads],
    recentIdLimit: state.recentIdLimit,
  };
  for (const pool of state.pools.values()) {
    yield {
      k: "pool",
      key: pool.key,
      name: pool.name,
      domain: pool.domain,
      definition: pool.definition,
      lastAddress: [...pool.lastAddress].map(([key, value]) => [key, value.toString(16)]),
    };
  }
  for (const pool of state.pools.values()) {
    for (const h of pool.byAttachment.values()) {
      yield {
        k: "hold",
        pool: pool.key,
        ip: h.ip,
        family: h.family,
        value: h.value.toString(16),
        owner: h.owner,
        requested: h.requested,
        since: h.since,
        eventId: h.eventId,
      };
    }
    yield {
      k: "podrefs",
      pool: pool.key,
      refs: [...pool.byPodInterface].map(([podKey, h]) => [podKey, attachmentKeyOf(h.owner)]),
    };
  }
  for (const domain of state.domains.values()) {
    const reservations = domain.reservations.map(({ pool, target, family, note }) => ({ pool, target, family, note }));
    yield {
      k: "domain",
      name: domain.name,
      reservations,
      cooling: [...domain.cooling.values()],
      lastEffectiveMs: domain.lastEffectiveMs,
      recentIds: [...domain.recentIds],
    };
    let refs: [string, string][] = [];
    for (const h of domain.held.values()) {
      refs.push([h.poolKey, attachmentKeyOf(h.owner)]);
      if (refs.length >= CHUNK) {
        yield { k: "held", domain: domain.name, refs };
        refs = [];
      }
    }
    if (refs.length > 0) yield { k: "held", domain: domain.name, refs };
  }
}

/** Rebuilds a state from `snapshotRecords` output. Throws on anything it does not recognise. */
export function restoreState(records: Iterable<SnapshotRecord>): { state: LedgerState; heads: Map<number, string> } {
  let state: LedgerState | undefined;
  const heads = new Map<number, string>();
  const values = new Map<string, { 4: bigint[]; 6: bigint[] }>();
  const need = (): LedgerState => {
    if (!state) throw new Error("snapshot: records before its head");
    return state;
  };
  const poolOf = (key: string): PoolRecord => {
    const pool = need().pools.get(key);
    if (!pool) throw new Error(`snapshot: unknown pool ${JSON.stringify(key)}`);
    return pool;
  };
  const domainNamed = (name: string): DomainRecord => {
    const domain = need().domains.get(name);
    if (!domain) throw new Error(`snapshot: unknown domain ${JSON.stringify(name)}`);
    return domain;
  };
  for (const record of records) {
    switch (record.k) {
      case "head":
        if (record.version !== SNAPSHOT_VERSION)
          throw new Error(`snapshot version ${record.version} is not ${SNAPSHOT_VERSION}`);
        state = {
          pools: new Map(),
          domains: new Map(),
          recentIdLimit: record.recentIdLimit,
          applied: new Map(record.positions),
        };
        for (const [partition, hash] of record.heads) heads.set(partition, hash);
        break;
      case "pool": {
        const d = record.definition;
        const window = resolveWindow({
          range: d.range,
          rangeStart: d.start,
          rangeEnd: d.end,
          exclude: d.exclude,
          key: "PoolDefined",
        });
        const lastAddress = new Map(record.lastAddress.map(([key, value]) => [key, BigInt(`0x${value}`)]));
        need().pools.set(record.key, {
          key: record.key,
          name: record.name,
          domain: record.domain,
          definition: d,
          window,
          byAttachment: new Map(),
          byPodInterface: new Map(),
          lastAddress,
        });
        break;
      }
      case "hold": {
        const pool = poolOf(record.pool);
        const holding: Holding = {
          poolKey: pool.key,
          pool: pool.name,
          domain: pool.domain,
          family: record.family,
          value: BigInt(`0x${record.value}`),
          ip: record.ip,
          owner: record.owner,
          requested: record.requested,
          since: record.since,
          eventId: record.eventId,
        };
        pool.byAttachment.set(attachmentKeyOf(holding.owner), holding);
        break;
      }
      case "podrefs": {
        const pool = poolOf(record.pool);
        for (const [podKey, attachment] of record.refs) pool.byPodInterface.set(podKey, holdingOf(pool, attachment));
        break;
      }
      case "domain": {
        const domain = newDomainRecord(record.name);
        for (const r of record.reservations)
          domain.reservations.push({ ...r, interval: parseExclude(r.target, r.family, "target") });
        for (const cooling of record.cooling) domain.cooling.set(cooling.key, cooling);
        for (const id of record.recentIds) domain.recentIds.add(id);
        domain.lastEffectiveMs = record.lastEffectiveMs;
        need().domains.set(record.name, domain);
        values.set(record.name, { 4: [], 6: [] });
        break;
      }
      case "held": {
        const domain = domainNamed(record.domain);
        const byFamily = values.get(record.domain) as { 4: bigint[]; 6: bigint[] };
        for (const [poolKey, attachment] of record.refs) {
          const holding = holdingOf(poolOf(poolKey), attachment);
          domain.held.set(addressKey(holding), holding);
          byFamily[holding.family].push(holding.value);
        }
        break;
      }
      default:
        throw new Error(`snapshot: unknown record ${JSON.stringify((record as { k: unknown }).k)}`);
    }
  }
  const restored = need();
  for (const [name, byFamily] of values) {
    const domain = domainNamed(name);
    Object.assign(domain, { sorted: { 4: SortedAddresses.of(byFamily[4]), 6: SortedAddresses.of(byFamily[6]) } });
  }
  checkHoldingsAgree(restored);
  return { state: restored, heads };
}

function holdingOf(pool: PoolRecord, attachment: string): Holding {
  const holding = pool.byAttachment.get(attachment);
  if (!holding) throw new Error(`snapshot: ${pool.key} has no holding for ${JSON.stringify(attachment)}`);
  return holding;
}

/** Every pool holding is held by its domain and vice versa: a snapshot that disagrees is refused. */
function checkHoldingsAgree(state: LedgerState): void {
  let pooled = 0;
  for (const pool of state.pools.values()) {
    pooled += pool.byAttachment.size;
    for (const [podKey, holding] of pool.byPodInterface) {
      if (podInterfaceKeyOf(holding.owner) !== podKey)
        throw new Error(`snapshot: pod reference ${podKey} points at another pod`);
    }
  }
  let held = 0;
  for (const domain of state.domains.values()) held += domain.held.size;
  if (pooled !== held) throw new Error(`snapshot: ${pooled} holdings in pools but ${held} in domains`);
}
