import type { LoggedEvent, UnchainedEvent } from "../core/events.js";

/** An event as a writer hands it to the log: the adapter fills `prev` and `hash`. */
export type NewEvent = UnchainedEvent;

/** Where an append landed. All events of one append go to one partition, in order. */
export interface AppendResult {
  readonly partition: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
}

/** Per-partition next offsets: `{ 0: 12 }` means offsets 0..11 of partition 0 exist. */
export type EndOffsets = ReadonlyMap<number, number>;

/** Called with each batch a tail delivers, in offset order per partition. */
export type TailHandler = (batch: readonly LoggedEvent[]) => void | Promise<void>;

/** A running tail; `stop()` resolves once no handler call is in flight. */
export interface Tail {
  stop(): Promise<void>;
}

/**
 * The event log port. Every backend (memory, embedded SQLite, Kafka) implements it with the same
 * semantics, checked by one contract suite (`test/int/ledger/log/eventLogContract.ts`):
 *
 * - One allocation domain maps to exactly one partition (`partitionFor`), so the events of a
 *   domain are totally ordered.
 * - Offsets start at 0 and grow by 1 per event inside a partition.
 * - `append` is all-or-nothing for its batch and resolves only once the events are durable.
 * - The log is append-only: nothing is ever updated or deleted.
 * - A record may appear twice (producer retries); readers must treat a repeated event `id` as a
 *   duplicate. The fold does.
 *
 * @example
 *   const log = openSqliteEventLog({ path: "ledger.db" });
 *   const { partition, lastOffset } = await log.append("", [event]);
 *   const tail = log.tail(new Map([[partition, 0]]), (batch) => fold(batch));
 */
export interface EventLog {
  /** A short name for logs and metrics: `memory`, `sqlite`, `kafka`. */
  readonly kind: string;

  /** The partition that holds `domain`. Stable for the life of the log. */
  partitionFor(domain: string): Promise<number>;

  /** Appends `events` (all of domain `domain`) in order to its partition. */
  append(domain: string, events: readonly NewEvent[]): Promise<AppendResult>;

  /** Reads up to `limit` events of `partition` starting at `fromOffset`. */
  read(partition: number, fromOffset: number, limit: number): Promise<LoggedEvent[]>;

  /** The next offset of every partition that exists (the log's end). */
  endOffsets(): Promise<EndOffsets>;

  /**
   * Delivers every event at or after `from` (partitions not named start at 0), then keeps
   * delivering new events as they are appended, until `stop()`. One handler call at a time.
   */
  tail(from: EndOffsets, handler: TailHandler, options?: { onError?: (error: unknown) => void }): Tail;

  /** Releases connections and file handles. Idempotent. */
  close(): Promise<void>;
}
