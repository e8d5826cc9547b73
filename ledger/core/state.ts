import type { Owner, PoolDefinition } from "./events.js";
import type { Family, Interval } from "./ip.js";
import { SortedAddresses } from "./sortedAddresses.js";
import type { PoolWindow } from "./window.js";

/** Where an event sits in the log, carried into state for the auditor's intervals. */
export interface Position {
  readonly partition: number;
  readonly offset: number;
  /** The writer's clock, as written. */
  readonly at: string;
  /** Milliseconds; never goes backwards within a partition (the projection's effective time). */
  readonly effectiveMs: number;
}

/** One address held by one attachment. */
export interface Holding {
  readonly poolKey: string;
  readonly pool: string;
  readonly domain: string;
  readonly family: Family;
  readonly value: bigint;
  readonly ip: string;
  readonly owner: Owner;
  readonly requested: boolean;
  readonly since: Position;
  readonly eventId: string;
}

export interface Reservation {
  readonly pool: string;
  readonly target: string;
  readonly family: Family;
  readonly interval: Interval;
  readonly note: string;
}

export interface PoolRecord {
  readonly key: string;
  readonly name: string;
  readonly domain: string;
  definition: PoolDefinition;
  window: PoolWindow;
  /** `containerId ifName` → holding. */
  readonly byAttachment: Map<string, Holding>;
  /** `namespace/name ifName` → holding, for pods with a name. */
  readonly byPodInterface: Map<string, Holding>;
  /** `namespace/name ifName` → the last address it held here (for `sticky`). */
  readonly lastAddress: Map<string, bigint>;
}

export interface Cooling {
  readonly key: string;
  readonly untilMs: number;
  readonly ownerKeys: readonly string[];
}

export interface DomainRecord {
  readonly name: string;
  /** address key → holding, across every pool of the domain. */
  readonly held: Map<string, Holding>;
  readonly sorted: { readonly 4: SortedAddresses; readonly 6: SortedAddresses };
  readonly reservations: Reservation[];
  /** Released addresses still in their reuse cooldown, oldest first. */
  readonly cooling: Map<string, Cooling>;
  lastEffectiveMs: number;
  /**
   * Event ids seen recently in this domain, oldest first; bounded so duplicates cost no unbounded
   * memory. Kept per domain so that the result never depends on how partitions interleave.
   */
  readonly recentIds: Set<string>;
}

/** The fold's state. `evolve` updates it in place; nothing else mutates it. */
export interface LedgerState {
  readonly pools: Map<string, PoolRecord>;
  readonly domains: Map<string, DomainRecord>;
  readonly recentIdLimit: number;
  /** Next offset to apply per partition: the basis of every decision made on this state. */
  readonly applied: Map<number, number>;
}

export const DEFAULT_RECENT_ID_LIMIT = 65_536;

/** An empty ledger. @example const state = initialState(); */
export function initialState(options: { recentIdLimit?: number } = {}): LedgerState {
  return {
    pools: new Map(),
    domains: new Map(),
    recentIdLimit: options.recentIdLimit ?? DEFAULT_RECENT_ID_LIMIT,
    applied: new Map(),
  };
}

export function poolKeyOf(domain: string, pool: string): string {
  return `${domain}\u0000${pool}`;
}

export function attachmentKeyOf(owner: Pick<Owner, "containerId" | "ifName">): string {
  return `${owner.containerId}\u0000${owner.ifName}`;
}

/** `undefined` for owners without a pod name (plain CNI use): they match by attachment only. */
export function podInterfaceKeyOf(owner: Pick<Owner, "podNamespace" | "podName" | "ifName">): string | undefined {
  return owner.podName === "" ? undefined : `${owner.podNamespace}/${owner.podName}\u0000${owner.ifName}`;
}

/** A domain with nothing in it. */
export function newDomainRecord(name: string): DomainRecord {
  return {
    name,
    held: new Map(),
    sorted: { 4: new SortedAddresses(), 6: new SortedAddresses() },
    reservations: [],
    cooling: new Map(),
    lastEffectiveMs: 0,
    recentIds: new Set(),
  };
}

/** The domain's record, created on first use. Only `evolve` calls this: it mutates the state. */
export function domainOf(state: LedgerState, name: string): DomainRecord {
  let domain = state.domains.get(name);
  if (!domain) {
    domain = newDomainRecord(name);
    state.domains.set(name, domain);
  }
  return domain;
}
