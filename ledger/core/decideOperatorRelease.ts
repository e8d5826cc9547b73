import type { AdminRelease, DrainNode, ResetPool } from "./decideOperatorCommands.js";
import { operatorEnvelope, poolNamed, type OperatorDecision } from "./decideOperatorTargets.js";
import type { UnstampedEvent } from "./eventIds.js";
import { LedgerError } from "./errors.js";
import type { ReleaseReason, UnchainedEvent } from "./events.js";
import { addressKey, formatAddress, parseAddress } from "./ip.js";
import type { Holding, LedgerState } from "./state.js";

function releaseOf(
  holding: Holding,
  reason: ReleaseReason,
  command: { now: string; actor: UnchainedEvent["actor"]; reason: string },
): UnstampedEvent {
  return {
    ...operatorEnvelope({ domain: holding.domain, name: holding.pool }, command),
    type: "AddressReleased",
    data: { ip: holding.ip, owner: holding.owner, reason, note: command.reason.trim() },
  };
}

const byValue = (a: Holding, b: Holding): number =>
  a.family !== b.family ? a.family - b.family : a.value < b.value ? -1 : a.value > b.value ? 1 : 0;

/**
 * `ipledger release <ip>`: frees one address whoever holds it (reason `admin`, the operator's text
 * as `note`). Refuses an address nobody holds, and one held in several allocation domains unless
 * the pool is named.
 *
 * @example decideAdminRelease({ kind: "AdminRelease", ip: "10.0.0.5", reason: "pod stuck on a dead node", ... }, state)
 */
export function decideAdminRelease(command: AdminRelease, state: LedgerState): OperatorDecision<UnstampedEvent> {
  const address = parseAddress(command.ip);
  if (!address)
    throw new LedgerError("INVALID_REQUEST", `${JSON.stringify(command.ip)} is not an IP address`, { key: "ip" });
  const ip = formatAddress(address);
  const key = addressKey(address);
  const scope = command.pool === undefined ? undefined : poolNamed(state, command.pool);
  const domains = scope ? [state.domains.get(scope.domain)] : [...state.domains.values()];
  const holdings = domains.flatMap((domain) => {
    const holding = domain?.held.get(key);
    return holding ? [holding] : [];
  });
  const inScope = scope ? holdings.filter((holding) => holding.poolKey === scope.key) : holdings;
  if (inScope.length === 0) {
    const elsewhere = holdings[0] ? `; it is held in pool ${holdings[0].pool} of the same domain` : "";
    throw new LedgerError(
      "NOT_FOUND",
      `${ip} is not held by anyone${scope ? ` in pool ${scope.name}` : ""}${elsewhere}; nothing to release`,
      { key: "ip" },
    );
  }
  if (inScope.length > 1) {
    throw new LedgerError(
      "INVALID_REQUEST",
      `${ip} is held in several allocation domains (pools ${inScope.map((holding) => holding.pool).join(", ")}); pass --pool to say which`,
      { key: "pool" },
    );
  }
  const holding = inScope[0] as Holding;
  return { events: [releaseOf(holding, "admin", command)], notes: [] };
}

/**
 * `ipledger reset-pool <pool>`: one release per address the pool holds (reason `admin-reset`),
 * lowest first; with `onlyIps`, only those of them (what the operator was shown).
 */
export function decideResetPool(command: ResetPool, state: LedgerState): OperatorDecision<UnstampedEvent> {
  const pool = poolNamed(state, command.pool);
  const only = command.onlyIps
    ? new Set(
        command.onlyIps.map((ip) => parseAddress(ip)).flatMap((address) => (address ? [formatAddress(address)] : [])),
      )
    : undefined;
  const holdings = [...pool.byAttachment.values()].filter((holding) => !only || only.has(holding.ip)).sort(byValue);
  const notes =
    holdings.length === 0
      ? [`pool ${pool.name} holds no address${only ? " of those listed" : ""}; nothing to release`]
      : [];
  return { events: holdings.map((holding) => releaseOf(holding, "admin-reset", command)), notes };
}

/**
 * `ipledger drain-node <node>`: releases every allocation made on a node that is gone for good
 * (Whereabouts leaks these: #75, #550), reason `admin`, pool by pool, lowest address first.
 */
export function decideDrainNode(command: DrainNode, state: LedgerState): OperatorDecision<UnstampedEvent> {
  const pools = [...state.pools.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const holdings = pools.flatMap((pool) =>
    [...pool.byAttachment.values()].filter((holding) => holding.owner.node === command.node).sort(byValue),
  );
  if (holdings.length > 0)
    return { events: holdings.map((holding) => releaseOf(holding, "admin", command)), notes: [] };
  const nodes = [
    ...new Set(pools.flatMap((pool) => [...pool.byAttachment.values()].map((holding) => holding.owner.node))),
  ].sort();
  const known = nodes.length > 0 ? `nodes holding addresses: ${nodes.join(", ")}` : "no node holds an address";
  return { events: [], notes: [`no allocation was made on node ${command.node}; nothing to release (${known})`] };
}
