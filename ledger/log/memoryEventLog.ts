import { LedgerError } from "../core/errors.js";
import type { LedgerEvent, LoggedEvent } from "../core/events.js";
import type { AppendResult, EndOffsets, EventLog, NewEvent, Tail } from "./eventLog.js";
import { GENESIS_HASH, chainBatch } from "./hashChain.js";
import { startTrackedTail } from "./tailLoop.js";

/**
 * An in-memory `EventLog` for unit tests and demos.
 *
 * Guarantees: partitions are numbered 0, 1, 2… in the order domains are first used; offsets are
 * contiguous per partition; events are hash-chained as in every backend. Events are stored as
 * JSON text, so what `read` returns is exactly what the SQLite and Kafka logs would return
 * (undefined members dropped) and no caller can mutate the log through a shared object.
 * Durability: none, the log dies with the process. Duplicates: never created by the log itself.
 * Tails are woken synchronously by `append`, so there is no polling delay.
 *
 * @example
 *   const log = createMemoryEventLog();
 *   await log.append("", [poolDefined]);
 *   const events = await log.read(await log.partitionFor(""), 0, 100);
 */
export function createMemoryEventLog() {
  const partitionOfDomain = new Map<string, number>();
  const partitions: { bodies: string[]; head: string }[] = [];
  const wakers = new Set<() => void>();
  const tails = new Set<Tail>();
  let closing: Promise<void> | undefined;

  function ensureOpen(): void {
    if (closing) throw new LedgerError("LOG_UNAVAILABLE", "the memory event log is closed; open a new one");
  }

  function partitionOf(domain: string): number {
    let partition = partitionOfDomain.get(domain);
    if (partition === undefined) {
      partition = partitions.length;
      partitions.push({ bodies: [], head: GENESIS_HASH });
      partitionOfDomain.set(domain, partition);
    }
    return partition;
  }

  const log = {
    kind: "memory",

    async partitionFor(domain: string): Promise<number> {
      ensureOpen();
      return partitionOf(domain);
    },

    async append(domain: string, events: readonly NewEvent[]): Promise<AppendResult> {
      ensureOpen();
      // Chain before assigning a partition, so a refused batch leaves no trace at all.
      const store = partitions[partitionOfDomain.get(domain) ?? -1];
      const chained = chainBatch(store?.head ?? GENESIS_HASH, domain, events);
      const partition = partitionOf(domain);
      const target = partitions[partition] as { bodies: string[]; head: string };
      const firstOffset = target.bodies.length;
      target.bodies.push(...chained.map((event) => JSON.stringify(event)));
      target.head = chained.at(-1)?.hash ?? target.head;
      for (const wake of wakers) wake();
      return { partition, firstOffset, lastOffset: target.bodies.length - 1 };
    },

    async read(partition: number, fromOffset: number, limit: number): Promise<LoggedEvent[]> {
      ensureOpen();
      const bodies = partitions[partition]?.bodies ?? [];
      const start = Math.max(0, fromOffset);
      return bodies.slice(start, start + Math.max(0, limit)).map((body, index) => ({
        partition,
        offset: start + index,
        event: JSON.parse(body) as LedgerEvent,
      }));
    },

    async endOffsets(): Promise<EndOffsets> {
      ensureOpen();
      return new Map(partitions.map((store, partition) => [partition, store.bodies.length]));
    },

    tail(from, handler, options): Tail {
      ensureOpen();
      const subscribe = (wake: () => void) => {
        wakers.add(wake);
        return () => wakers.delete(wake);
      };
      return startTrackedTail(tails, { endOffsets: log.endOffsets, read: log.read, subscribe }, from, handler, options);
    },

    close(): Promise<void> {
      closing ??= Promise.all([...tails].map((tail) => tail.stop())).then(() => undefined);
      return closing;
    },
  } satisfies EventLog;
  return log;
}
