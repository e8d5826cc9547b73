import { randomUUID } from "node:crypto";
import type { Consumer, EachBatchPayload, Kafka } from "kafkajs";
import { CLIENT_RETRY } from "./kafkaClient.js";
import { quietly } from "./kafkaErrors.js";

export interface SessionSpec {
  readonly kafka: Kafka;
  readonly topic: string;
  /** Prefix of the session's group id; a random suffix makes the group this session's alone. */
  readonly groupPrefix: string;
  readonly maxWaitTimeInMs: number;
  readonly maxBytesPerPartition?: number;
}

export interface SessionHooks {
  /** Every (re)join of the group, before the first fetch of its generation: seek and pause here. */
  onJoin(consumer: Consumer, partitions: readonly number[]): void;
  eachBatch(consumer: Consumer, payload: EachBatchPayload): Promise<void>;
  /** The consumer died and will not restart by itself; `error` says why. */
  onCrash(error: Error): void;
}

/**
 * Starts one kafkajs consumer as a stand-in for manual assignment, which kafkajs lacks: a group
 * of its own (`<prefix>-<uuid>`, so it is the only member and is assigned every partition), no
 * offset commits (positions live in the caller, which seeks on every join), and no restart by
 * kafkajs after a crash (a restart would rejoin the same group, where the dead member lingers
 * until its session times out; the caller starts a fresh session instead).
 * Tuned for latency: `minBytes: 1`, so a fetch returns as soon as one record is there.
 * Resolves once the consumer has joined and runs; on failure it is disconnected and the error thrown.
 *
 * @example
 *   const consumer = await startConsumerSession(spec, { onJoin: (c, ps) => ps.forEach((p) => c.seek({ topic, partition: p, offset: "0" })), eachBatch, onCrash });
 */
export async function startConsumerSession(spec: SessionSpec, hooks: SessionHooks): Promise<Consumer> {
  const consumer = spec.kafka.consumer({
    groupId: `${spec.groupPrefix}-${randomUUID()}`,
    minBytes: 1,
    maxWaitTimeInMs: spec.maxWaitTimeInMs,
    maxBytesPerPartition: spec.maxBytesPerPartition ?? 1_048_576,
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
    allowAutoTopicCreation: false,
    retry: { ...CLIENT_RETRY, restartOnFailure: async () => false },
  });
  let started = false;
  let failedStart: Error | undefined;
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) =>
    hooks.onJoin(consumer, payload.memberAssignment[spec.topic] ?? []),
  );
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart) return;
    if (started) hooks.onCrash(payload.error);
    else failedStart = payload.error;
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [spec.topic], fromBeginning: true });
    // No commits: a fresh group per session has no committed offsets to resume from anyway.
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => hooks.eachBatch(consumer, payload),
    });
    // kafkajs reports a failed join as a crash, not as a rejection of run().
    if (failedStart) throw failedStart;
    started = true;
    return consumer;
  } catch (error) {
    await quietly(() => consumer.disconnect());
    throw error;
  }
}
