import {
  attachmentKeyOf,
  decideAllocation,
  decideGarbageCollection,
  decideOperator,
  decideRelease,
  isLedgerError,
  poolKeyOf,
  type LedgerState,
  type TargetPool,
  type UnchainedEvent,
} from "../../ledger/core/index.js";
import { PoolPods, seededUuid, type GeneratedPod, type Random } from "./churnModel.js";

// The generator's moves: pods added, re-sandboxed, deleted (with a DEL or, while their node is
// down, left to GC), and operators at work, each decided by the real decider against the state.

/** How full the generator keeps a pool: adds become likelier below it and rarer above it. */
const OCCUPANCY = 0.7;

/** One step: the events it decided at `now`, [] when they would not fit in the `room` left. */
export type Step = (now: string, room: number) => UnchainedEvent[];

/** One random action on one random pool, decided against `state`; [] when it does not apply. */
export function makeStep(
  state: LedgerState,
  targets: readonly TargetPool[],
  pods: readonly PoolPods[],
  reservations: string[][],
  random: Random,
): Step {
  const newId = (): string => seededUuid(random);
  const capacity = 1022;
  return (now, room) => {
    const index = Math.floor(random() * targets.length);
    const target = targets[index] as TargetPool;
    const pool = pods[index] as PoolPods;
    const actor = (node: string, component = "agent") => ({ node, component });
    const add = (pod: GeneratedPod): UnchainedEvent[] => {
      const decision = decideAllocation(
        {
          kind: "AllocateAddresses",
          now,
          actor: actor(pod.owner.node),
          requestId: newId(),
          owner: pod.owner,
          pools: [target],
          requested: [],
          sticky: pod.sticky,
          spread: 1,
          random: [],
          avoid: [],
        },
        state,
      );
      pool.live.push(pod);
      return [...decision.events];
    };
    const attempt = (): UnchainedEvent[] => {
      const roll = random();
      const addChance = Math.min(
        0.95,
        Math.max(0.05, 0.5 + (OCCUPANCY * capacity - pool.live.length - pool.orphans.length) / (OCCUPANCY * capacity)),
      );
      if (roll < 0.004) return operatorAction(state, target, pool, reservations[index] as string[], now, newId, random);
      if (roll < 0.006 && pool.orphans.length > 0) {
        const valid = pool.live.map((pod) => attachmentKeyOf(pod.owner));
        // A node's GC releases only its own holdings: one collection per node that lost pods.
        const nodes = [...new Set(pool.orphans.map((pod) => pod.owner.node))];
        const events = nodes.flatMap((node) =>
          decideGarbageCollection(
            {
              kind: "CollectGarbage",
              now,
              actor: actor(node),
              node,
              requestId: newId(),
              poolKeys: [poolKeyOf(target.domain, target.pool)],
              validAttachments: valid,
            },
            state,
          ),
        );
        if (events.length <= room) pool.orphans.length = 0;
        return events;
      }
      if (roll < 0.04 && pool.live.length > 0) {
        const pod = PoolPods.takeRandom(pool.live, random) as GeneratedPod;
        return add(PoolPods.resandboxed(pod, random)); // a recreated sandbox adopts the address
      }
      if (random() < addChance) {
        const returning = random() < 0.5 ? PoolPods.takeRandom(pool.stickyGone, random) : undefined;
        return add(returning ? PoolPods.resandboxed(returning, random) : pool.newPod(random, random() < 0.2));
      }
      const pod = PoolPods.takeRandom(pool.live, random);
      if (!pod) return [];
      if (random() < 0.1) {
        pool.orphans.push(pod); // deleted while its node was down: no DEL, GC releases it later
        return [];
      }
      if (pod.sticky) pool.stickyGone.push(pod);
      return decideRelease(
        {
          kind: "ReleaseAttachment",
          now,
          actor: actor(pod.owner.node),
          requestId: newId(),
          containerId: pod.owner.containerId,
          ifName: pod.owner.ifName,
          reason: random() < 0.9 ? "cni-del" : "pod-deleted",
        },
        state,
      );
    };
    try {
      const events = attempt();
      return events.length > room ? [] : events;
    } catch (error) {
      if (!isLedgerError(error)) throw error;
      return []; // refused by the decider (pool full, address held): nothing was written
    }
  };
}

/** Operators at work: reserve a free address, lift an old reservation, release an address by hand. */
function operatorAction(
  state: LedgerState,
  target: TargetPool,
  pool: PoolPods,
  reserved: string[],
  now: string,
  newId: () => string,
  random: Random,
): UnchainedEvent[] {
  const base = {
    now,
    actor: { node: "admin-host", component: "cli", user: "ops@example.org" },
    requestId: newId(),
    reason: "ticket OPS-1234",
  };
  const roll = random();
  if (roll < 0.4 && reserved.length > 0) {
    const lifted = PoolPods.takeRandom(reserved, random) as string;
    return [...decideOperator({ ...base, kind: "LiftReservation", target: lifted, pool: target.pool }, state).events];
  }
  if (roll < 0.8) {
    const [a, b, c] = target.definition.range.split(".").map(Number) as [number, number, number];
    const offset = 1 + Math.floor(random() * 1021);
    const ip = `${a}.${b}.${c + (offset >> 8)}.${offset & 255}`;
    const events = decideOperator(
      { ...base, kind: "ReserveTarget", target: ip, pool: target.pool, force: false },
      state,
    ).events;
    reserved.push(ip);
    return [...events];
  }
  const pod = PoolPods.takeRandom(pool.live, random);
  if (!pod) return [];
  const holding = state.pools.get(poolKeyOf(target.domain, target.pool))?.byAttachment.get(attachmentKeyOf(pod.owner));
  if (!holding) return [];
  return [...decideOperator({ ...base, kind: "AdminRelease", ip: holding.ip, pool: target.pool }, state).events];
}
