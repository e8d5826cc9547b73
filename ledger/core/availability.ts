import type { ErrorCode } from "./errors.js";
import type { Owner } from "./events.js";
import { addressKey, formatAddress, type Address, type Family, type Interval } from "./ip.js";
import {
  attachmentKeyOf,
  podInterfaceKeyOf,
  type Cooling,
  type DomainRecord,
  type Holding,
  type PoolRecord,
} from "./state.js";
import { isExcluded, type PoolWindow } from "./window.js";

/**
 * Why an address cannot be allocated: the rule that refuses it names the code, so no caller has
 * to read the code back out of the prose (a reservation note saying "excluded" stays a reservation).
 */
export interface Unavailable {
  readonly code: Extract<ErrorCode, "ADDRESS_OUTSIDE_RANGE" | "ADDRESS_EXCLUDED" | "ADDRESS_IN_USE">;
  readonly rule: "family" | "outside" | "excluded" | "reserved" | "held" | "cooling";
  readonly message: string;
}

/**
 * The one availability rule of the ledger, used by `decide` (requested and sticky addresses),
 * `evolve` (is a claim valid?) and, through `blockingIntervals` and `coolingBlocks`, by the
 * free-address walk. `requested` widens nothing: a requested address must lie in the pool's usable
 * range, a dynamic pick in its window.
 *
 * @example
 *   const refusal = unavailability(domain, pool, address, owner, true, nowMs);
 *   if (refusal) throw new LedgerError(refusal.code, refusal.message);
 */
export function unavailability(
  domain: DomainRecord,
  pool: Pick<PoolRecord, "name" | "window">,
  address: Address,
  owner: Owner,
  requested: boolean,
  nowMs: number,
): Unavailable | undefined {
  const { window } = pool;
  const ip = formatAddress(address);
  if (address.family !== window.family)
    return refuse("ADDRESS_OUTSIDE_RANGE", "family", `address ${ip} is not IPv${window.family}`);
  const bounds = requested ? window.usable : window.window;
  if (address.value < bounds.from || address.value > bounds.to) {
    const where = requested ? "usable range" : "window";
    return refuse("ADDRESS_OUTSIDE_RANGE", "outside", `address ${ip} is outside the ${where} of pool ${pool.name}`);
  }
  if (isExcluded(window, address.value))
    return refuse("ADDRESS_EXCLUDED", "excluded", `address ${ip} is excluded in pool ${pool.name}`);
  const reservation = domain.reservations.find(
    (entry) =>
      entry.family === address.family && address.value >= entry.interval.from && address.value <= entry.interval.to,
  );
  if (reservation)
    return refuse(
      "ADDRESS_IN_USE",
      "reserved",
      `address ${ip} is reserved (${reservation.target}: ${reservation.note})`,
    );
  const key = addressKey(address);
  const holder = domain.held.get(key);
  if (holder) return heldBy(holder);
  const cooling = coolingBlocks(domain, key, ownerKeysOf(owner), nowMs);
  if (cooling) {
    const until = new Date(cooling.untilMs).toISOString();
    return refuse("ADDRESS_IN_USE", "cooling", `address ${ip} is in its reuse cooldown until ${until}`);
  }
  return undefined;
}

/**
 * Why a *requested* address cannot be given: the same rule, except that an address held by
 * someone is reported as held before anything else (the holder is the useful thing to name,
 * wherever the address lies).
 */
export function requestRefusal(
  domain: DomainRecord,
  pool: Pick<PoolRecord, "name" | "window">,
  address: Address,
  owner: Owner,
  nowMs: number,
): Unavailable | undefined {
  const holder = domain.held.get(addressKey(address));
  if (holder) return heldBy(holder);
  return unavailability(domain, pool, address, owner, true, nowMs);
}

function heldBy(holder: Holding): Unavailable {
  return refuse(
    "ADDRESS_IN_USE",
    "held",
    `address ${holder.ip} is held by ${describeOwner(holder.owner)} in pool ${holder.pool}`,
  );
}

function refuse(code: Unavailable["code"], rule: Unavailable["rule"], message: string): Unavailable {
  return { code, rule, message };
}

/**
 * The cooldown that keeps `key` from this owner, if any: a released address waits out its
 * cooldown for everyone but the attachment or pod interface that released it.
 */
export function coolingBlocks(
  domain: DomainRecord | undefined,
  key: string,
  ownerKeys: readonly string[],
  nowMs: number,
): Cooling | undefined {
  const cooling = domain?.cooling.get(key);
  if (cooling === undefined || cooling.untilMs <= nowMs) return undefined;
  return ownerKeys.some((k) => cooling.ownerKeys.includes(k)) ? undefined : cooling;
}

/** The excluded and reserved intervals of a window: the free-address walk jumps over them. */
export function blockingIntervals(domain: DomainRecord | undefined, window: PoolWindow): Interval[] {
  const family: Family = window.family;
  return [
    ...window.excludes,
    ...(domain?.reservations.filter((entry) => entry.family === family).map((entry) => entry.interval) ?? []),
  ];
}

export function describeOwner(owner: Owner): string {
  const pod = owner.podName === "" ? "" : `pod ${owner.podNamespace}/${owner.podName} `;
  return `${pod}container ${owner.containerId} interface ${owner.ifName}`;
}

/** The keys under which an owner may have released an address (attachment, and pod interface). */
export function ownerKeysOf(owner: Owner): string[] {
  const podKey = podInterfaceKeyOf(owner);
  return podKey === undefined ? [attachmentKeyOf(owner)] : [attachmentKeyOf(owner), podKey];
}
