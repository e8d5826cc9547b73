import kafkajs from "kafkajs";
import { LedgerError } from "../../core/errors.js";
import type { LoggedEvent } from "../../core/events.js";
import type { AppendResult, EndOffsets, EventLog, NewEvent, Tail } from "../eventLog.js";
import { GENESIS_HASH, chainBatch } from "../hashChain.js";
import { CLIENT_RETRY, createKafkaClient, kafkaSettings, type KafkaEventLogOptions } from "./kafkaClient.js";
import { kafkaUnavailable, quietly, withDeadline, type KafkaPlace } from "./kafkaErrors.js";
import { createKafkaReader } from "./kafkaReader.js";
import { encodeEvent } from "./kafkaRecords.js";
import { startKafkaTail } from "./kafkaTail.js";
import { ensureTopic } from "./kafkaTopic.js";
import { partitionOfDomain } from "./domainPartition.js";
import { ChainIndex, ChainWalker } from "./partitionChain.js";

const { Partitioners } = kafkajs;

export type { KafkaEventLogOptions } from "./kafkaClient.js";

/** The Kafka `EventLog`, with where it lives. */
export interface KafkaEventLog extends EventLog {
  readonly topic: string;
  /** The topic's partition count, read when the log was opened. */
  readonly partitions: number;
}

/**
 * Opens the Kafka event log: connects, creates the topic when missing, and returns an `EventLog`.
 *
 * - **Partitioning**: a domain's partition is `sha256(domain)[0..4] mod partitions`
 *   (`partitionOfDomain`); the message key is the domain. Never add partitions to the topic.
 * - **Writing**: one `send` per append with `acks=-1`, no batching delay, kafkajs retries kept
 *   short. An append that is not acknowledged within `appendTimeoutMs` fails with LOG_UNAVAILABLE.
 *   It may still land later (Kafka cannot take a request back), like any retried record; the
 *   fold ignores a repeated event id, and the CNI runtime's DEL after a failed ADD releases it.
 * - **Duplicates**: a producer retry after a lost acknowledgement writes a record twice, at two
 *   offsets. Both are delivered; the fold marks the second `duplicate`.
 * - **Hash chain**: records hold the unchained event. Readers compute `prev`/`hash` in partition
 *   order (`ChainWalker`), deterministically, so every reader and replay sees the same chain;
 *   `ipledger verify` compares it with the heads the projections recorded, which catches an
 *   edit, deletion or reordering of any record before them. A missing offset is refused
 *   (INTEGRITY_VIOLATION), so finite retention or compaction cannot go unnoticed.
 * - **Reading and tailing**: kafkajs has no manual assignment, so each tail and the reader use a
 *   consumer group of their own, seek on every join, and never commit (`consumerSession.ts`).
 *   End offsets are the high watermarks (`admin.fetchTopicOffsets`). The chain needs the hash
 *   before a start offset, so a read or tail from offset N hashes from this process's nearest
 *   known point (`ChainIndex`; from 0 the first time). The agent's runner tails from 0 anyway.
 * - **Permissions** (with ACLs): Describe, Read and Write on the topic, Create on the cluster if
 *   the topic is to be created, Read on the groups `<clientId>-tail-*` and `<clientId>-read-*`.
 * - **Outages**: calls fail with LOG_UNAVAILABLE within their timeout; tails report and keep
 *   retrying, so they resume when the brokers return.
 *
 * @example
 *   const log = await openKafkaEventLog({ brokers: ["kafka-0:9092"], topic: "ipledger-events", clientId: "ipledger-node-a" });
 *   const { partition, lastOffset } = await log.append("", [event]);
 *   await log.close();
 */
export async function openKafkaEventLog(options: KafkaEventLogOptions): Promise<KafkaEventLog> {
  const settings = kafkaSettings(options);
  const { topic, brokers } = settings;
  const place: KafkaPlace = { brokers, topic };
  const kafka = createKafkaClient(settings);
  const admin = kafka.admin({ retry: CLIENT_RETRY });
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: false, // the fold makes duplicates harmless; kafkajs' idempotence is experimental
    createPartitioner: Partitioners.DefaultPartitioner, // unused: every message names its partition
    retry: { ...CLIENT_RETRY, retries: 2 },
  });
  let abandoned = false; // set when opening timed out: do not connect the producer behind the caller's back
  const opening = (async () => {
    await admin.connect();
    const count = await ensureTopic(admin, {
      topic,
      partitions: settings.partitions,
      create: settings.createTopic,
      timeoutMs: settings.readTimeoutMs,
      ...(settings.replicationFactor ? { replicationFactor: settings.replicationFactor } : {}),
      ...(settings.logger ? { logger: settings.logger } : {}),
    });
    if (abandoned) throw new Error("opening was abandoned");
    await producer.connect();
    return count;
  })();
  let partitions: number;
  try {
    partitions = await withDeadline(
      opening,
      settings.readTimeoutMs,
      () => new Error(`no answer within ${settings.readTimeoutMs} ms`),
    );
  } catch (error) {
    abandoned = true;
    await Promise.all([quietly(() => producer.disconnect()), quietly(() => admin.disconnect())]);
    throw kafkaUnavailable("open", place, error);
  }

  const chain = new ChainIndex(topic);
  const partitionOf = (domain: string) => partitionOfDomain(domain, partitions);
  const walkerFrom = (partition: number, offset: number) =>
    new ChainWalker({ topic, partition, start: chain.startFor(partition, offset), index: chain, partitionOf });
  const session = { kafka, topic, groupPrefix: `${settings.clientId}-tail`, maxWaitTimeInMs: settings.maxWaitTimeInMs };
  const reader = createKafkaReader({
    session: { ...session, groupPrefix: `${settings.clientId}-read`, maxWaitTimeInMs: 25 },
    place,
    readTimeoutMs: settings.readTimeoutMs,
    walkerFrom,
  });
  const tails = new Set<Tail>();
  let closing: Promise<void> | undefined;

  const ensureOpen = () => {
    if (closing)
      throw new LedgerError("LOG_UNAVAILABLE", `the Kafka event log of topic ${topic} is closed; open it again`);
  };
  const deadline = <T>(what: string, promise: Promise<T>, ms = settings.readTimeoutMs) =>
    withDeadline(promise, ms, () => new Error(`${what}: no answer within ${ms} ms`)).catch((error: unknown) => {
      throw kafkaUnavailable(what, place, error);
    });

  async function endOffsets(): Promise<EndOffsets> {
    ensureOpen();
    const offsets = await deadline("read the end offsets of", admin.fetchTopicOffsets(topic));
    return new Map(offsets.map((entry) => [entry.partition, Number(entry.high)]));
  }

  const log = {
    kind: "kafka",
    topic,
    partitions,

    async partitionFor(domain: string): Promise<number> {
      ensureOpen();
      return partitionOf(domain);
    },

    async append(domain: string, events: readonly NewEvent[]): Promise<AppendResult> {
      ensureOpen();
      chainBatch(GENESIS_HASH, domain, events); // the same refusals as every adapter: empty batch, mixed domains
      const partition = partitionOf(domain);
      const sent = producer.send({
        topic,
        acks: -1,
        timeout: settings.appendTimeoutMs,
        messages: events.map((event) => encodeEvent(partition, event)),
      });
      const [written] = await deadline("append to", sent, settings.appendTimeoutMs);
      if (!written || written.partition !== partition)
        throw kafkaUnavailable("append to", place, new Error("the brokers acknowledged no record"));
      const firstOffset = Number(written.baseOffset);
      return { partition, firstOffset, lastOffset: firstOffset + events.length - 1 };
    },

    async read(partition: number, fromOffset: number, limit: number): Promise<LoggedEvent[]> {
      ensureOpen();
      if (limit <= 0 || partition < 0 || partition >= partitions) return [];
      const from = Math.max(0, fromOffset);
      const end = (await endOffsets()).get(partition) ?? 0;
      return reader.read(partition, from, Math.min(end, from + limit));
    },

    endOffsets,

    tail(from, handler, tailOptions) {
      ensureOpen();
      const tail = startKafkaTail(
        { session, place, partitions, walkerFrom, ...(settings.logger ? { logger: settings.logger } : {}) },
        from,
        handler,
        tailOptions,
      );
      tails.add(tail);
      return {
        stop() {
          tails.delete(tail);
          return tail.stop();
        },
      };
    },

    close(): Promise<void> {
      closing ??= (async () => {
        await Promise.all([...tails].map((tail) => tail.stop()));
        await reader.close();
        await Promise.all([quietly(() => producer.disconnect()), quietly(() => admin.disconnect())]);
      })();
      return closing;
    },
  } satisfies KafkaEventLog;
  return log;
}
