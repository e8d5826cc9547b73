import {
  attachmentKeyOf,
  decideAllocation,
  decideGarbageCollection,
  decideOperator,
  decideRelease,
  definePool,
  evolve,
  initialState,
  isLedgerError,
  LedgerError,
  poolKeyOf,
  type LedgerEvent,
  type LedgerState,
  type TargetPool,
  type UnchainedEvent,
} from "../../ledger/core/index.js";
import type { EventLog } from "../../ledger/log/eventLog.js";
import { exponentialMs, PoolPods, seededUuid, type GeneratedPod, type Random } from "./churnModel.js";
import { seededRandom } from "./seededRandom.js";

export interface GenerateOptions {
  /** Exactly this many events are appended. */
  readonly events: number;
  readonly pools: number;
  readonly seed: number;
  /** Mean gap between writes; 864 ms is 100,000 events a day (50,000 pods started a day). */
  readonly meanGapMs?: number;
  /** The writers' clock starts here. */
  readonly startAt?: string;
  readonly onProgress?: (written: number) => void;
}

export interface GenerateReport {
  readonly events: number;
  readonly partitions: number;
  readonly voided: number;
  readonly byType: Readonly<Record<string, number>>;
}

const FLUSH_EVENTS = 5_000;
const NODES = 50;
const OCCUPANCY = 0.7;
const DOMAINS = 8;

/** Pool `index` is the `index`-th /22 of 10.16.0.0/12, in network `net-(index mod 8)`. */
export function generatedPool(index: number): TargetPool {
  const third = (index * 4) % 256;
  const second = 16 + Math.floor((index * 4) / 256);
  if (second > 255)
    throw new LedgerError("INVALID_REQUEST", `--pools ${index + 1} is more than the generator lays out (15,360)`, {
      key: "--pools",
    });
  const networkName = `net-${index % DOMAINS}`;
  return definePool(
    { range: `10.${second}.${third}.0/22`, exclude: [], key: "generate" },
    { networkName, reuseCooldownSeconds: index % 5 === 0 ? 30 : 0, overlappingRanges: true },
  );
}

/**
 * Writes a seeded, realistic churn history through the real decider and the real log: pods come
 * and go (most released by CNI DEL, some left for GC), sticky pods come back to their address,
 * sandboxes are recreated (adoption), and operators reserve, lift and release by hand. The
 * generator is the only writer: it folds what it decides into its own state, then appends in
 * large batches and checks that the log put every event where the fold assumed.
 *
 * @example await generateChurn(openSqliteEventLog({ path: "ledger.db" }), { events: 1_000_000, pools: 16, seed: 1 });
 */
export async function generateChurn(log: EventLog, options: GenerateOptions): Promise<GenerateReport> {
  const ends = await log.endOffsets();
  if ([...ends.values()].some((end) => end > 0)) {
    throw new LedgerError(
      "INVALID_REQUEST",
      "the log is not empty; generate writes a history into a new data directory",
      { key: "--data-dir" },
    );
  }
  const random = seededRandom(options.seed);
  const state = initialState();
  const targets = Array.from({ length: options.pools }, (_, index) => generatedPool(index));
  const pods = targets.map((_, index) => new PoolPods(index, NODES));
  const reservations = targets.map(() => [] as string[]);
  const partitions = new Map<string, number>();
  for (const target of targets) partitions.set(target.domain, await log.partitionFor(target.domain));
  const next = new Map<number, number>();
  const pending = new Map<string, LedgerEvent[]>();
  const byType: Record<string, number> = {};
  let clock = Date.parse(options.startAt ?? "2026-01-01T00:00:00.000Z");
  let written = 0;
  let buffered = 0;
  let voided = 0;

  const fold = (events: readonly UnchainedEvent[]): void => {
    for (const event of events) {
      const partition = partitions.get(event.domain) as number;
      const offset = next.get(partition) ?? 0;
      next.set(partition, offset + 1);
      if (evolve(state, { partition, offset, event: event as LedgerEvent }).status !== "accepted") voided += 1;
      const queue = pending.get(event.domain) ?? [];
      queue.push(event as LedgerEvent);
      pending.set(event.domain, queue);
      byType[event.type] = (byType[event.type] ?? 0) + 1;
    }
    written += events.length;
    buffered += events.length;
  };
  const flush = async (): Promise<void> => {
    const appends: Promise<void>[] = [];
    for (const [domain, events] of pending) {
      const partition = partitions.get(domain) as number;
      const expected = (next.get(partition) ?? 0) - events.length;
      appends.push(
        log.append(domain, events).then((result) => {
          if (result.firstOffset !== expected)
            throw new LedgerError(
              "INTERNAL",
              `another writer appended to partition ${partition} while generate ran; start again in a data directory nothing else uses`,
            );
        }),
      );
    }
    pending.clear();
    buffered = 0;
    await Promise.all(appends);
    options.onProgress?.(written);
  };

  const step = makeStep(state, targets, pods, reservations, random);
  let idle = 0;
  while (written < options.events) {
    clock += exponentialMs(random, options.meanGapMs ?? 864);
    const events = step(new Date(clock).toISOString(), options.events - written);
    if (events.length === 0) {
      if ((idle += 1) > 10_000)
        throw new LedgerError("INTERNAL", "the generator cannot make progress; use more --pools");
      continue;
    }
    idle = 0;
    fold(events);
    if (buffered >= FLUSH_EVENTS) await flush();
  }
  await flush();
  return { events: written, partitions: partitions.size === 0 ? 0 : new Set(partitions.values()).size, voided, byType };
}

type Step = (now: string, room: number) => UnchainedEvent[];

/** One random action on one random pool, decided against `state`; [] when it does not apply. */
function makeStep(
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
