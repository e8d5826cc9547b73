import type { LoggedEvent } from "../../core/events.js";
import { GENESIS_HASH } from "../hashChain.js";
import { chainRecord, decodeEvent, integrity } from "./kafkaRecords.js";

/** A place in a partition's chain: the record at `offset` follows `prev`. */
export interface ChainPoint {
  readonly offset: number;
  readonly prev: string;
}

/** Every this many offsets the index keeps a chain point, so a read never hashes more than this from its nearest point. */
export const CHAIN_STRIDE = 1024;

/**
 * What this process has learnt of each partition's hash chain, so that a read or tail starting
 * at offset N does not hash the partition from 0 every time: a point every `CHAIN_STRIDE`
 * offsets, plus the furthest point reached. Memory: one 64-character hash per 1024 events.
 *
 * It is also a tripwire: a record whose chain differs from what this process computed earlier
 * for the same offset means the partition changed under it (`INTEGRITY_VIOLATION`).
 */
export class ChainIndex {
  private readonly strides = new Map<number, Map<number, string>>();
  private readonly furthest = new Map<number, ChainPoint>();

  constructor(private readonly topic: string) {}

  /** The known point nearest at or below `offset` (genesis at 0 when nothing is known). */
  startFor(partition: number, offset: number): ChainPoint {
    const far = this.furthest.get(partition);
    if (far && far.offset <= offset) return far;
    const strides = this.strides.get(partition);
    for (let at = Math.floor(offset / CHAIN_STRIDE) * CHAIN_STRIDE; at > 0 && strides; at -= CHAIN_STRIDE) {
      const prev = strides.get(at);
      if (prev !== undefined) return { offset: at, prev };
    }
    return { offset: 0, prev: GENESIS_HASH };
  }

  /** Records that the record at `point.offset` follows `point.prev`, refusing a contradiction. */
  note(partition: number, point: ChainPoint): void {
    const known = point.offset % CHAIN_STRIDE === 0 ? this.strides.get(partition)?.get(point.offset) : undefined;
    const far = this.furthest.get(partition);
    const seen = known ?? (far?.offset === point.offset ? far.prev : undefined);
    if (seen !== undefined && seen !== point.prev) {
      throw integrity(
        `partition ${partition} of Kafka topic ${this.topic} changed while ipledger was reading it: the events before offset ` +
          `${point.offset} now hash to ${point.prev.slice(0, 12)}… but hashed to ${seen.slice(0, 12)}… earlier; ` +
          "records were edited, deleted or reordered; run ipledger verify and restore the topic from a backup",
      );
    }
    if (point.offset % CHAIN_STRIDE === 0 && point.offset > 0) {
      let strides = this.strides.get(partition);
      if (!strides) this.strides.set(partition, (strides = new Map()));
      strides.set(point.offset, point.prev);
    }
    if (!far || point.offset > far.offset) this.furthest.set(partition, point);
  }
}

/**
 * Walks one partition record by record, computing the hash chain in partition order. Kafka has
 * no conditional append, so no writer can know the `prev` of its record; the chain is instead a
 * pure function of the records and their order, the same for every reader. An edit, deletion or
 * reordering changes every hash after it, which `ipledger verify` detects against the chain heads
 * the projections recorded (`checkpoints.head_hash`, and each stored event's hash).
 *
 * @example
 *   const walker = new ChainWalker({ topic, partition: 0, start: index.startFor(0, 0), index, partitionOf });
 *   const logged = walker.advance(0, message.value); // undefined for a record before the walk
 */
export class ChainWalker {
  private point: ChainPoint;

  constructor(
    private readonly deps: {
      readonly topic: string;
      readonly partition: number;
      readonly start: ChainPoint;
      readonly index: ChainIndex;
      readonly partitionOf: (domain: string) => number;
    },
  ) {
    this.point = deps.start;
  }

  /** The offset of the next record this walker expects. */
  get nextOffset(): number {
    return this.point.offset;
  }

  /**
   * The logged event of the record at `offset`, or undefined when the walk is already past it
   * (a record delivered again after a re-seek). A record beyond the next expected offset means
   * records are missing: `INTEGRITY_VIOLATION`.
   */
  advance(offset: number, value: Buffer | null): LoggedEvent | undefined {
    const { topic, partition, index, partitionOf } = this.deps;
    if (offset < this.point.offset) return undefined;
    if (offset > this.point.offset) {
      throw integrity(
        `partition ${partition} of Kafka topic ${topic} has no record at offset ${this.point.offset} (the next is at ${offset}): ` +
          "records were deleted (retention, DeleteRecords or compaction), so the ledger cannot be replayed; " +
          "restore the topic from a backup and keep retention.ms=-1, retention.bytes=-1, cleanup.policy=delete",
      );
    }
    const place = { topic, partition, offset };
    index.note(partition, this.point);
    const logged = chainRecord(this.point.prev, decodeEvent(value, place, partitionOf), place);
    this.point = { offset: offset + 1, prev: logged.event.hash as string };
    index.note(partition, this.point);
    return logged;
  }
}
