import type { AllocateAddresses, LedgerEvent, Owner } from "../../../../ledger/core/index.js";
import { canonical, INVALID_DEFINITIONS, POOLS, type PoolFixture } from "./poolFixtures.js";

/**
 * A deliberately small, independent model of what the fold must accept: per allocation domain a
 * map address → holder, and per pool its current definition. It knows nothing of windows,
 * bigints or sorted sets; it answers from the hand-written tables in `poolFixtures.ts`. Rules:
 *
 * - an event id seen before in its domain is a duplicate and changes nothing;
 * - an allocation is accepted only in a defined pool, inside the window (or the usable range
 *   when requested), not excluded, not reserved, not held by anyone in the whole domain, not in
 *   another owner's reuse cooldown, and only when the attachment (and the pod's interface) holds
 *   nothing else in that pool;
 * - a release is accepted only from the attachment that holds exactly that address there;
 * - an adoption moves an address between two sandboxes of one pod and interface.
 */

export type ModelStatus = "accepted" | "voided" | "duplicate";

interface ModelHolding {
  readonly pool: string;
  readonly ip: string;
  readonly owner: Owner;
}

interface ModelDomain {
  readonly held: Map<string, ModelHolding>;
  readonly seen: Set<string>;
  readonly reservations: { pool: string; target: string; ip: string }[];
  readonly cooling: Map<string, { untilMs: number; keys: string[] }>;
  lastMs: number;
}

const attachmentOf = (owner: Pick<Owner, "containerId" | "ifName">) => `${owner.containerId}/${owner.ifName}`;
const podInterfaceOf = (owner: Owner) =>
  owner.podName === "" ? undefined : `${owner.podNamespace}/${owner.podName}/${owner.ifName}`;
const keysOf = (owner: Owner) =>
  [attachmentOf(owner), podInterfaceOf(owner)].filter((key): key is string => key !== undefined);

/** The line by which the model and the property test compare holdings. */
export function holdingLine(domain: string, pool: string, ip: string, owner: Owner): string {
  return `${JSON.stringify(domain)} ${pool} ${ip} ${owner.containerId}/${owner.ifName} pod=${owner.podNamespace}/${owner.podName}`;
}

export class ReferenceModel {
  /** `domain|pool` → the fixture whose definition is current. */
  private readonly pools = new Map<string, PoolFixture>();
  private readonly domains = new Map<string, ModelDomain>();

  /** Applies one logged event and says what the fold must have made of it. */
  apply(event: LedgerEvent): ModelStatus {
    const domain = this.domain(event.domain);
    const writerMs = Date.parse(event.at);
    domain.lastMs = Math.max(domain.lastMs, Number.isFinite(writerMs) ? writerMs : 0);
    if (domain.seen.has(event.id)) return "duplicate";
    domain.seen.add(event.id);
    return this.decideStatus(domain, event) ? "accepted" : "voided";
  }

  private decideStatus(domain: ModelDomain, event: LedgerEvent): boolean {
    switch (event.type) {
      case "PoolDefined":
        return this.define(event.domain, event.pool, event.data);
      case "AddressAllocated":
        return this.allocate(domain, event.domain, event.pool, event.data.ip, event.data.owner, event.data.requested);
      case "AddressReleased":
        return this.release(domain, event.domain, event.pool, event.data.ip, event.data.owner);
      case "AllocationAdopted":
        return this.adopt(domain, event.domain, event.pool, event.data);
      case "AddressReserved":
        return this.reserve(domain, event.domain, event.pool, event.data.target);
      case "ReservationLifted": {
        const index = domain.reservations.findIndex(
          (entry) => entry.pool === event.pool && entry.target === event.data.target,
        );
        if (index >= 0) domain.reservations.splice(index, 1);
        return index >= 0;
      }
      default:
        throw new Error(`test bug: the model has no rule for ${(event as { type: string }).type}`);
    }
  }

  private define(domainName: string, pool: string, definition: object): boolean {
    const text = JSON.stringify(definition, Object.keys(definition).sort());
    const same = (candidate: object) => JSON.stringify(candidate, Object.keys(candidate).sort()) === text;
    if (
      INVALID_DEFINITIONS.some((entry) => entry.domain === domainName && entry.pool === pool && same(entry.definition))
    )
      return false;
    const fixture = POOLS.find(
      (entry) => entry.target.domain === domainName && entry.target.pool === pool && same(entry.target.definition),
    );
    if (!fixture) throw new Error(`test bug: PoolDefined for ${pool} matches no fixture`);
    const key = `${domainName}|${pool}`;
    if (this.pools.get(key) === fixture) return false; // unchanged
    this.pools.set(key, fixture);
    return true;
  }

  private holdingOf(
    domain: ModelDomain,
    pool: string,
    match: (holding: ModelHolding) => boolean,
  ): ModelHolding | undefined {
    return [...domain.held.values()].find((holding) => holding.pool === pool && match(holding));
  }

  /** Whether `ip` may go to `owner` at `nowMs` as far as the domain is concerned (not the pool). */
  private domainAllows(domain: ModelDomain, ip: string, owner: Owner, nowMs: number): boolean {
    if (domain.held.has(ip) || domain.reservations.some((entry) => entry.ip === ip)) return false;
    const cooling = domain.cooling.get(ip);
    return !cooling || cooling.untilMs <= nowMs || keysOf(owner).some((key) => cooling.keys.includes(key));
  }

  private allocate(
    domain: ModelDomain,
    domainName: string,
    pool: string,
    text: string,
    owner: Owner,
    requested: boolean,
  ): boolean {
    const fixture = this.pools.get(`${domainName}|${pool}`);
    const address = canonical(text);
    if (!fixture || !address) return false;
    if (this.holdingOf(domain, pool, (h) => attachmentOf(h.owner) === attachmentOf(owner))) return false;
    const pod = podInterfaceOf(owner);
    if (pod !== undefined && this.holdingOf(domain, pool, (h) => podInterfaceOf(h.owner) === pod)) return false;
    if (!(requested ? fixture.requestable : fixture.dynamic).has(address.ip)) return false;
    if (!this.domainAllows(domain, address.ip, owner, domain.lastMs)) return false;
    domain.held.set(address.ip, { pool, ip: address.ip, owner });
    return true;
  }

  private release(domain: ModelDomain, domainName: string, pool: string, text: string, owner: Owner): boolean {
    const fixture = this.pools.get(`${domainName}|${pool}`);
    const address = canonical(text);
    const holding = this.holdingOf(domain, pool, (h) => attachmentOf(h.owner) === attachmentOf(owner));
    if (!fixture || !address || !holding || holding.ip !== address.ip) return false;
    domain.held.delete(holding.ip);
    if (fixture.cooldownMs > 0) {
      domain.cooling.delete(holding.ip);
      domain.cooling.set(holding.ip, { untilMs: domain.lastMs + fixture.cooldownMs, keys: keysOf(holding.owner) });
    }
    return true;
  }

  private adopt(
    domain: ModelDomain,
    domainName: string,
    pool: string,
    data: { ip: string; fromContainerId: string; toContainerId: string; owner: Owner },
  ): boolean {
    const address = canonical(data.ip);
    const from = this.holdingOf(
      domain,
      pool,
      (h) => attachmentOf(h.owner) === attachmentOf({ containerId: data.fromContainerId, ifName: data.owner.ifName }),
    );
    if (!this.pools.has(`${domainName}|${pool}`) || !address || !from || from.ip !== address.ip) return false;
    const samePod = from.owner.podNamespace === data.owner.podNamespace && from.owner.podName === data.owner.podName;
    if (!samePod || data.owner.containerId !== data.toContainerId) return false;
    if (this.holdingOf(domain, pool, (h) => attachmentOf(h.owner) === attachmentOf(data.owner))) return false;
    domain.held.set(from.ip, { ...from, owner: data.owner });
    return true;
  }

  private reserve(domain: ModelDomain, domainName: string, pool: string, target: string): boolean {
    const fixture = this.pools.get(`${domainName}|${pool}`);
    const address = canonical(target);
    if (!fixture || !address || address.family !== fixture.family) return false;
    if (domain.reservations.some((entry) => entry.pool === pool && entry.target === target)) return false;
    domain.reservations.push({ pool, target, ip: address.ip });
    return true;
  }

  /** Every holding, one line each, sorted. */
  holdings(): string[] {
    return [...this.domains]
      .flatMap(([name, domain]) => [...domain.held.values()].map((h) => holdingLine(name, h.pool, h.ip, h.owner)))
      .sort();
  }

  /**
   * The error code `decideAllocation` must throw for `command` on the current (fully folded)
   * state, or undefined when it must succeed. Only validity is modelled: which address a
   * successful decision picks is not.
   */
  refusalFor(command: AllocateAddresses, fixtures: readonly PoolFixture[]): string | undefined {
    this.exhaustionMayFollowOwnPicks = false;
    // One request never claims one address twice in a domain: each earlier new pick of the request
    // may take one of a later pool's free addresses. Which one is not modelled, so when a later
    // pool has no more free addresses than earlier picks, exhaustion is possible but not certain.
    const earlierPicks = new Map<string, number>();
    const nowMs = Date.parse(command.now);
    const byPool = new Map<number, string>();
    for (const text of command.requested) {
      const address = canonical(text);
      if (!address) return "INVALID_REQUEST";
      const index = fixtures.findIndex((fixture) => fixture.cidr.has(address.ip));
      if (index < 0) return "ADDRESS_OUTSIDE_RANGE";
      if (byPool.has(index)) return "INVALID_REQUEST";
      byPool.set(index, address.ip);
    }
    for (const [index, fixture] of fixtures.entries()) {
      const domain = this.domain(fixture.target.domain);
      const pool = fixture.target.pool;
      if (this.holdingOf(domain, pool, (h) => attachmentOf(h.owner) === attachmentOf(command.owner))) continue;
      const pod = podInterfaceOf(command.owner);
      if (pod !== undefined && this.holdingOf(domain, pool, (h) => podInterfaceOf(h.owner) === pod)) continue;
      const requested = byPool.get(index);
      const picks = earlierPicks.get(fixture.target.domain) ?? 0;
      earlierPicks.set(fixture.target.domain, picks + 1);
      if (requested !== undefined) {
        if (domain.held.has(requested)) return "ADDRESS_IN_USE";
        if (!fixture.usable.has(requested)) return "ADDRESS_OUTSIDE_RANGE";
        if (!fixture.requestable.has(requested)) return "ADDRESS_EXCLUDED";
        if (!this.domainAllows(domain, requested, command.owner, nowMs)) return "ADDRESS_IN_USE";
      } else {
        const free = [...fixture.dynamic].filter((ip) => this.domainAllows(domain, ip, command.owner, nowMs)).length;
        if (free === 0) return "POOL_EXHAUSTED";
        if (free <= picks) this.exhaustionMayFollowOwnPicks = true;
      }
    }
    return undefined;
  }

  /** Set by `refusalFor`: POOL_EXHAUSTED is also a correct answer for the last command asked about. */
  exhaustionMayFollowOwnPicks = false;

  private domain(name: string): ModelDomain {
    let domain = this.domains.get(name);
    if (!domain) {
      domain = { held: new Map(), seen: new Set(), reservations: [], cooling: new Map(), lastMs: 0 };
      this.domains.set(name, domain);
    }
    return domain;
  }
}
