import type { EventOf } from "./events.js";
import { addressKey, formatAddress, parseAddress } from "./ip.js";
import { describeOwner, ownerKeysOf, unavailability } from "./availability.js";
import { accepted, voided, type Outcome } from "./outcome.js";
import {
  attachmentKeyOf,
  domainOf,
  podInterfaceKeyOf,
  poolKeyOf,
  type DomainRecord,
  type Holding,
  type LedgerState,
  type PoolRecord,
  type Position,
} from "./state.js";

export function applyAllocated(state: LedgerState, event: EventOf<"AddressAllocated">, position: Position): Outcome {
  const pool = state.pools.get(poolKeyOf(event.domain, event.pool));
  if (!pool) return voided(position.effectiveMs, `unknown pool ${event.pool}`);
  const address = parseAddress(event.data.ip);
  if (!address) return voided(position.effectiveMs, `${event.data.ip} is not an IP address`);
  const domain = domainOf(state, event.domain);
  expireCooling(domain, position.effectiveMs);
  const { owner } = event.data;
  if (pool.byAttachment.has(attachmentKeyOf(owner))) {
    return voided(
      position.effectiveMs,
      `container ${owner.containerId} interface ${owner.ifName} already holds an address in pool ${pool.name}`,
    );
  }
  const podKey = podInterfaceKeyOf(owner);
  if (podKey !== undefined && pool.byPodInterface.has(podKey)) {
    return voided(
      position.effectiveMs,
      `pod ${owner.podNamespace}/${owner.podName} interface ${owner.ifName} already holds an address in pool ${pool.name}`,
    );
  }
  const refusal = unavailability(domain, pool, address, owner, event.data.requested, position.effectiveMs);
  if (refusal) return voided(position.effectiveMs, refusal.message);

  const holding: Holding = {
    poolKey: pool.key,
    pool: pool.name,
    domain: domain.name,
    family: address.family,
    value: address.value,
    ip: formatAddress(address),
    owner,
    requested: event.data.requested,
    since: position,
    eventId: event.id,
  };
  hold(domain, pool, holding);
  return accepted(position.effectiveMs, [
    {
      kind: "tenancyOpened",
      domain: domain.name,
      pool: pool.name,
      ip: holding.ip,
      owner,
      requested: holding.requested,
    },
  ]);
}

export function applyReleased(state: LedgerState, event: EventOf<"AddressReleased">, position: Position): Outcome {
  const pool = state.pools.get(poolKeyOf(event.domain, event.pool));
  const address = parseAddress(event.data.ip);
  const holding = pool?.byAttachment.get(attachmentKeyOf(event.data.owner));
  if (!pool || !address || !holding || holding.value !== address.value || holding.family !== address.family) {
    return voided(
      position.effectiveMs,
      `${event.data.ip} is not held by container ${event.data.owner.containerId} interface ${event.data.owner.ifName} in pool ${event.pool}`,
    );
  }
  const domain = domainOf(state, event.domain);
  unhold(domain, pool, holding);
  const cooldownMs = pool.definition.reuseCooldownSeconds * 1000;
  if (cooldownMs > 0) {
    const key = addressKey(address);
    domain.cooling.delete(key);
    domain.cooling.set(key, { key, untilMs: position.effectiveMs + cooldownMs, ownerKeys: ownerKeysOf(holding.owner) });
  }
  return accepted(position.effectiveMs, [
    {
      kind: "tenancyClosed",
      domain: domain.name,
      pool: pool.name,
      ip: holding.ip,
      owner: holding.owner,
      reason: event.data.reason,
    },
  ]);
}

export function applyAdopted(state: LedgerState, event: EventOf<"AllocationAdopted">, position: Position): Outcome {
  const pool = state.pools.get(poolKeyOf(event.domain, event.pool));
  const { owner, fromContainerId, toContainerId } = event.data;
  const holding = pool?.byAttachment.get(attachmentKeyOf({ containerId: fromContainerId, ifName: owner.ifName }));
  const address = parseAddress(event.data.ip);
  if (!pool || !holding || !address || holding.value !== address.value || holding.family !== address.family) {
    return voided(
      position.effectiveMs,
      `${event.data.ip} is not held by container ${fromContainerId} interface ${owner.ifName} in pool ${event.pool}`,
    );
  }
  const old = holding.owner;
  if (old.podNamespace !== owner.podNamespace || old.podName !== owner.podName || owner.containerId !== toContainerId) {
    return voided(
      position.effectiveMs,
      `adoption must keep the pod and interface: ${describeOwner(old)} cannot pass to ${describeOwner(owner)}`,
    );
  }
  if (pool.byAttachment.has(attachmentKeyOf(owner))) {
    return voided(
      position.effectiveMs,
      `container ${toContainerId} interface ${owner.ifName} already holds an address in pool ${pool.name}`,
    );
  }
  const domain = domainOf(state, event.domain);
  unhold(domain, pool, holding);
  hold(domain, pool, { ...holding, owner, since: position, eventId: event.id });
  return accepted(position.effectiveMs, [
    { kind: "tenancyClosed", domain: domain.name, pool: pool.name, ip: holding.ip, owner: old, reason: "adopted" },
    {
      kind: "tenancyOpened",
      domain: domain.name,
      pool: pool.name,
      ip: holding.ip,
      owner,
      requested: holding.requested,
    },
  ]);
}

/** How many pod interfaces per pool `sticky` remembers; the least recently used are forgotten. */
export const STICKY_MEMORY_LIMIT = 100_000;

function hold(domain: DomainRecord, pool: PoolRecord, holding: Holding): void {
  domain.held.set(addressKey(holding), holding);
  domain.sorted[holding.family].add(holding.value);
  pool.byAttachment.set(attachmentKeyOf(holding.owner), holding);
  const podKey = podInterfaceKeyOf(holding.owner);
  if (podKey !== undefined) {
    pool.byPodInterface.set(podKey, holding);
    // Remembered for `sticky`; re-set so Map order stays "most recently used last".
    pool.lastAddress.delete(podKey);
    pool.lastAddress.set(podKey, holding.value);
    if (pool.lastAddress.size > STICKY_MEMORY_LIMIT) {
      pool.lastAddress.delete(pool.lastAddress.keys().next().value as string);
    }
  }
}

function unhold(domain: DomainRecord, pool: PoolRecord, holding: Holding): void {
  domain.held.delete(addressKey(holding));
  domain.sorted[holding.family].delete(holding.value);
  pool.byAttachment.delete(attachmentKeyOf(holding.owner));
  const podKey = podInterfaceKeyOf(holding.owner);
  if (podKey !== undefined) pool.byPodInterface.delete(podKey);
}

/** Drops cooldowns that ended; the map is in release order, so this stops at the first live one. */
export function expireCooling(domain: DomainRecord, nowMs: number): void {
  for (const [key, cooling] of domain.cooling) {
    if (cooling.untilMs > nowMs) break;
    domain.cooling.delete(key);
  }
}
