import { LedgerError } from "./errors.js";
import { EVENT_SCHEMA_VERSION, type Actor, type UnchainedEvent } from "./events.js";
import { describeOwner } from "./availability.js";
import { cidrInterval, formatAddress, formatCidr, parseAddress, parseCidr, type Family, type Interval } from "./ip.js";
import type { DomainRecord, Holding, LedgerState, PoolRecord } from "./state.js";

/**
 * What the operator commands share: reading a target (`10.0.0.5`, `10.0.0.0/28`,
 * `10.0.0.10-10.0.0.20`), finding the pool an operator means, the holders of a range, and the
 * event envelope with the operator's identity.
 */

/** A parsed target with the canonical text recorded in the event. */
export interface OperatorTarget {
  readonly family: Family;
  readonly interval: Interval;
  /** `10.0.0.5`, `10.0.0.0/28` (host bits masked) or `10.0.0.10-10.0.0.20`. */
  readonly text: string;
}

/** What an operator command decided: the events to append and what the operator should know. */
export interface OperatorDecision<E = UnchainedEvent> {
  readonly events: readonly E[];
  /** Facts worth printing: holders kept by a forced reservation, a drain that found nothing, … */
  readonly notes: readonly string[];
}

const invalid = (message: string, key: string) => new LedgerError("INVALID_REQUEST", message, { key });

/** Parses an address, a CIDR or a range `a-b` (first ≤ last, one family). */
export function parseOperatorTarget(text: string, key = "target"): OperatorTarget {
  const trimmed = text.trim();
  if (trimmed.includes("/")) {
    const cidr = parseCidr(trimmed);
    if (cidr) return { family: cidr.family, interval: cidrInterval(cidr), text: formatCidr(cidr) };
  } else if (trimmed.includes("-")) {
    const [fromText = "", toText = "", extra] = trimmed.split("-");
    const from = parseAddress(fromText);
    const to = parseAddress(toText);
    if (extra === undefined && from && to && from.family === to.family && from.value <= to.value) {
      return {
        family: from.family,
        interval: { from: from.value, to: to.value },
        text: `${formatAddress(from)}-${formatAddress(to)}`,
      };
    }
  } else {
    const address = parseAddress(trimmed);
    if (address)
      return {
        family: address.family,
        interval: { from: address.value, to: address.value },
        text: formatAddress(address),
      };
  }
  throw invalid(
    `${JSON.stringify(text)} is not an address, a CIDR or a range "first-last" (first ≤ last); write e.g. 10.0.0.5, 10.0.0.0/28 or 10.0.0.10-10.0.0.20`,
    key,
  );
}

function sortedPools(state: LedgerState): PoolRecord[] {
  return [...state.pools.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function domainLabel(domain: string): string {
  return domain === "" ? `the default domain` : `domain ${JSON.stringify(domain)}`;
}

/** The pool named `name`; UNKNOWN_POOL naming the known pools when there is none. */
export function poolNamed(state: LedgerState, name: string): PoolRecord {
  const matches = sortedPools(state).filter((pool) => pool.name === name);
  if (matches.length === 1) return matches[0] as PoolRecord;
  if (matches.length === 0) {
    const known = sortedPools(state).map((pool) => pool.name);
    const list =
      known.length > 0
        ? `known pools: ${[...new Set(known)].join(", ")}`
        : "no pool is defined yet (a pool is defined by the first ADD that uses it)";
    throw new LedgerError("UNKNOWN_POOL", `there is no pool ${JSON.stringify(name)}; ${list}`, { key: "pool" });
  }
  throw invalid(
    `pool name ${name} exists in ${matches.map((pool) => domainLabel(pool.domain)).join(" and ")}; these operator commands cannot tell them apart`,
    "pool",
  );
}

function covers(pool: PoolRecord, target: OperatorTarget): boolean {
  const whole = cidrInterval(pool.window.cidr);
  return pool.window.family === target.family && target.interval.from >= whole.from && target.interval.to <= whole.to;
}

/**
 * The pool a target belongs to: the named one (which must contain it), else the one pool whose
 * CIDR contains it. Pools of one domain share holdings and reservations, so when several pools
 * of ONE domain contain the target the first by name is as good as any.
 */
export function poolForTarget(state: LedgerState, target: OperatorTarget, name: string | undefined): PoolRecord {
  if (name !== undefined) {
    const pool = poolNamed(state, name);
    if (!covers(pool, target)) {
      throw new LedgerError(
        "ADDRESS_OUTSIDE_RANGE",
        `${target.text} is not inside pool ${pool.name} (${formatCidr(pool.window.cidr)}); name the pool that contains it`,
        { key: "target" },
      );
    }
    return pool;
  }
  const containing = sortedPools(state).filter((pool) => covers(pool, target));
  if (containing.length === 0) {
    throw new LedgerError(
      "UNKNOWN_POOL",
      `no pool contains ${target.text}; a pool is defined by the first ADD that uses it (see "ipledger pools"): pass --pool, or define it here with --range CIDR or --nad FILE`,
      { key: "pool" },
    );
  }
  const domains = new Set(containing.map((pool) => pool.domain));
  if (domains.size > 1) {
    throw invalid(
      `${target.text} lies in pools of several allocation domains (${containing.map((pool) => pool.name).join(", ")}); pass --pool to say which`,
      "pool",
    );
  }
  return containing[0] as PoolRecord;
}

/** Every address of `domain` held inside `target`, lowest first. Costs O(allocations of the domain). */
export function holdersIn(domain: DomainRecord | undefined, target: OperatorTarget): Holding[] {
  if (!domain) return [];
  return [...domain.held.values()]
    .filter(
      (holding) =>
        holding.family === target.family &&
        holding.value >= target.interval.from &&
        holding.value <= target.interval.to,
    )
    .sort((a, b) => (a.value < b.value ? -1 : 1));
}

export function describeHolding(holding: Holding): string {
  return `${holding.ip} (held by ${describeOwner(holding.owner)} on node ${holding.owner.node || "?"} in pool ${holding.pool})`;
}

/** The envelope of an operator event in `pool`, stamped with the command's time and actor. */
export function operatorEnvelope(pool: Pick<PoolRecord, "domain" | "name">, command: { now: string; actor: Actor }) {
  return {
    v: EVENT_SCHEMA_VERSION,
    domain: pool.domain,
    pool: pool.name,
    at: command.now,
    actor: command.actor,
  } as const;
}
