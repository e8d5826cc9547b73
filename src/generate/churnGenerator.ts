import {
  definePool,
  evolve,
  initialState,
  LedgerError,
  type LedgerEvent,
  type TargetPool,
  type UnchainedEvent,
} from "../../ledger/core/index.js";
import type { EventLog } from "../../ledger/log/eventLog.js";
import { makeStep } from "./churnSteps.js";
import { exponentialMs, PoolPods } from "./churnModel.js";
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
