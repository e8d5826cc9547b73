import type { AllocateAddresses, TargetPool } from "./commands.js";
import { LedgerError } from "./errors.js";
import { EVENT_SCHEMA_VERSION, type UnchainedEvent, type Owner } from "./events.js";
import { stampEventIds, type UnstampedEvent } from "./eventIds.js";
import { requestRefusal, unavailability } from "./availability.js";
import { sameDefinition } from "./poolDefinition.js";
import { isContended, spreadStart } from "./contention.js";
import { lowestFree } from "./freeAddresses.js";
import { addressKey, cidrContains, formatAddress, formatCidr, parseAddress, type Address } from "./ip.js";
import {
  attachmentKeyOf,
  newDomainRecord,
  podInterfaceKeyOf,
  poolKeyOf,
  type LedgerState,
  type PoolRecord,
} from "./state.js";
import { resolveWindow, type PoolWindow } from "./window.js";

/** How one pool of an ADD was satisfied. */
export interface PoolDecision {
  readonly domain: string;
  readonly pool: string;
  readonly ip: string;
  readonly prefix: number;
  readonly gateway: string | undefined;
  /** `held`: the attachment already had it; `adopted`: a new sandbox of the pod takes it over. */
  readonly kind: "held" | "adopted" | "allocated";
}

export interface AllocationDecision {
  /** Events to append, in order; all of one domain are appended together. */
  readonly events: readonly UnchainedEvent[];
  readonly pools: readonly PoolDecision[];
}

type PoolView = Pick<PoolRecord, "name" | "window">;

/** Where requested addresses come from, for error messages. */
const REQUESTED_KEY = "runtimeConfig.ips / args.cni.ips / CNI_ARGS IP";

/**
 * Decides an ADD against the current state: for each pool in order (`range`, then `ipRanges`),
 * the address the attachment already holds, an adoption by a new sandbox of the same pod, a
 * requested address, the sticky last address, or the lowest free one. Pure: throws
 * `LedgerError` when the request cannot be met, and changes nothing.
 *
 * @example
 *   const { events, pools } = decideAllocation(command, state);
 */
export function decideAllocation(command: AllocateAddresses, state: LedgerState): AllocationDecision {
  const nowMs = Date.parse(command.now);
  const windows = command.pools.map((target) => windowOf(target));
  const requestedByPool = assignRequested(command.requested, command.pools, windows);
  // Grows with each pick in a domain, so two overlapping pools of one request never claim the same
  // address (pools of different domains may legitimately give the same address).
  const picked = new Map<string, Set<string>>();
  const avoidIn = (domain: string, target: TargetPool): Set<string> =>
    new Set([...command.avoid, ...(picked.get(domain) ?? []), ...gatewayKeysOf(target)]);
  const events: UnstampedEvent[] = [];
  const pools: PoolDecision[] = [];

  command.pools.forEach((target, index) => {
    const window = windows[index] as PoolWindow;
    const record = state.pools.get(poolKeyOf(target.domain, target.pool));
    const base = {
      v: EVENT_SCHEMA_VERSION,
      domain: target.domain,
      pool: target.pool,
      at: command.now,
      actor: command.actor,
    } as const;
    const decided = (ip: string, kind: PoolDecision["kind"]): PoolDecision => ({
      domain: target.domain,
      pool: target.pool,
      ip,
      prefix: window.cidr.prefix,
      gateway: target.definition.gateway,
      kind,
    });

    const held = record?.byAttachment.get(attachmentKeyOf(command.owner));
    if (held) return void pools.push(decided(held.ip, "held"));
    const podKey = podInterfaceKeyOf(command.owner);
    const previous = podKey === undefined ? undefined : record?.byPodInterface.get(podKey);
    if (previous) {
      events.push({
        ...base,
        type: "AllocationAdopted",
        data: {
          ip: previous.ip,
          fromContainerId: previous.owner.containerId,
          toContainerId: command.owner.containerId,
          owner: command.owner,
        },
      });
      return void pools.push(decided(previous.ip, "adopted"));
    }
    const definedInFlight = command.definitionsInFlight?.includes(poolKeyOf(target.domain, target.pool)) ?? false;
    if (!definedInFlight && (!record || !sameDefinition(record.definition, target.definition))) {
      events.push({ ...base, type: "PoolDefined", data: target.definition });
    }
    const view: PoolView = { window, name: target.pool };
    const requested = requestedByPool[index];
    const chosen = requested
      ? checkRequested(state, target, view, requested, command.owner, nowMs)
      : pickDynamic(
          command,
          state,
          target,
          view,
          podKey,
          record,
          avoidIn(target.domain, target),
          nowMs,
          command.random[index] ?? 0,
        );
    const ip = formatAddress(chosen);
    picked.set(target.domain, new Set([...(picked.get(target.domain) ?? []), addressKey(chosen)]));
    events.push({
      ...base,
      type: "AddressAllocated",
      data: { ip, owner: command.owner, requested: requested !== undefined, basis: basisOf(state) },
    });
    pools.push(decided(ip, "allocated"));
  });
  return { events: stampEventIds(events, command.requestId), pools };
}

/**
 * The pool's gateway (configured, or taken by the main plugin) as address keys: never handed out,
 * whatever the window says. Whereabouts hands it out (#601), and the pod then fights the bridge.
 */
function gatewayKeysOf(target: TargetPool): string[] {
  return [target.definition.gateway, target.implicitGateway].flatMap((text) => {
    const address = text === undefined ? undefined : parseAddress(text);
    return address ? [addressKey(address)] : [];
  });
}

function windowOf(target: TargetPool): PoolWindow {
  const { definition } = target;
  return resolveWindow({
    range: definition.range,
    rangeStart: definition.start,
    rangeEnd: definition.end,
    exclude: definition.exclude,
    key: `pool ${target.pool}`,
  });
}

function basisOf(state: LedgerState): Record<string, number> {
  return Object.fromEntries([...state.applied].map(([partition, offset]) => [String(partition), offset]));
}

/** Gives each requested address to the one range whose CIDR contains it. */
function assignRequested(
  requested: readonly string[],
  targets: readonly TargetPool[],
  windows: readonly PoolWindow[],
): (Address | undefined)[] {
  const byPool: (Address | undefined)[] = targets.map(() => undefined);
  for (const text of requested) {
    const address = parseAddress(text);
    if (!address)
      throw new LedgerError("INVALID_REQUEST", `requested address ${JSON.stringify(text)} is not an IP address`, {
        key: REQUESTED_KEY,
      });
    const index = windows.findIndex((window) => cidrContains(window.cidr, address));
    if (index < 0) {
      const ranges = windows.map((window) => formatCidr(window.cidr)).join(", ");
      throw new LedgerError(
        "ADDRESS_OUTSIDE_RANGE",
        `requested address ${text} is outside every configured range (${ranges}); ask for an address inside one of them`,
        { key: REQUESTED_KEY },
      );
    }
    if (byPool[index])
      throw new LedgerError(
        "INVALID_REQUEST",
        `two requested addresses fall in range ${formatCidr((windows[index] as PoolWindow).cidr)}; a range gives one address per interface`,
        { key: REQUESTED_KEY },
      );
    byPool[index] = address;
  }
  return byPool;
}

function checkRequested(
  state: LedgerState,
  target: TargetPool,
  view: PoolView,
  address: Address,
  owner: Owner,
  nowMs: number,
): Address {
  if (gatewayKeysOf(target).includes(addressKey(address))) {
    throw new LedgerError(
      "ADDRESS_EXCLUDED",
      `requested address ${formatAddress(address)} is the gateway of pool ${target.pool}; request another address`,
      { key: REQUESTED_KEY },
    );
  }
  const domain = state.domains.get(target.domain) ?? newDomainRecord(target.domain);
  const refusal = requestRefusal(domain, view, address, owner, nowMs);
  if (!refusal) return address;
  const advice =
    refusal.rule === "held" ? "request another address or release that one first" : "request another address";
  throw new LedgerError(refusal.code, `requested ${refusal.message}; ${advice}`, { key: REQUESTED_KEY });
}

function pickDynamic(
  command: AllocateAddresses,
  state: LedgerState,
  target: TargetPool,
  view: PoolView,
  podKey: string | undefined,
  record: PoolRecord | undefined,
  avoid: ReadonlySet<string>,
  nowMs: number,
  random: number,
): Address {
  const domain = state.domains.get(target.domain) ?? newDomainRecord(target.domain);
  const family = view.window.family;
  const last = podKey === undefined ? undefined : record?.lastAddress.get(podKey);
  if (command.sticky && last !== undefined && last >= view.window.window.from && last <= view.window.window.to) {
    const address = { family, value: last };
    if (!unavailability(domain, view, address, command.owner, false, nowMs) && !avoid.has(addressKey(address)))
      return address;
  }
  const startAt = isContended(command.contention)
    ? spreadStart(view.window.window, (command.contention as { node: string }).node)
    : undefined;
  const free = lowestFree(domain, view, command.owner, nowMs, avoid, command.spread, startAt);
  if (free.length === 0) {
    const { window } = view.window;
    throw new LedgerError(
      "POOL_EXHAUSTED",
      `pool ${target.pool} has no free address in ${formatAddress({ family, value: window.from })}-${formatAddress({ family, value: window.to })} (excluded, reserved, held or cooling down); widen the range, release addresses or lift reservations`,
      { details: { pool: target.pool } },
    );
  }
  const pick = free[Math.min(free.length - 1, Math.floor(random * free.length))] as bigint;
  return { family, value: pick };
}
