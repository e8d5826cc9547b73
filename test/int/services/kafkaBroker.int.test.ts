// Proves that kafkajs 2.2.4 works against the broker that test/services/kafka/start runs (Kafka 4.x):
// admin createTopics / describeConfigs / fetchTopicOffsets / fetchOffsets / describeGroups /
// deleteTopics, produce with acks=-1 (plain and idempotent), and a consumer group read from the
// beginning. Needs IPLEDGER_KAFKA_BROKERS, e.g.
//
//   IPLEDGER_KAFKA_BROKERS=$(test/services/kafka/start | tail -n1) npx vitest run --project int test/int/services
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import kafkajs from "kafkajs";
import { kafkaBrokers, requireKafka } from "../../support/kafka/kafkaEnv.js";
import type { Admin, Consumer, Kafka as KafkaClient, Message } from "kafkajs";

const { Kafka, ConfigResourceTypes, Partitioners, logLevel } = kafkajs;

const hasKafka = requireKafka("kafkaBroker.int.test.ts");
const brokers = [...kafkaBrokers];

const PARTITIONS = 3;
const PER_PRODUCER = 30; // records per producer; the test uses two producers
const RETENTION = { "retention.ms": "-1", "retention.bytes": "-1", "cleanup.policy": "delete" };

// Skips only outside CI, loudly, when no broker is configured; with CI set requireKafka fails the file instead.
describe.skipIf(!hasKafka)("kafkajs 2.2.4 against the test Kafka broker", () => {
  const run = randomUUID().slice(0, 8);
  const topic = `ipledger-int-broker-${run}`;
  const groupId = `ipledger-int-broker-${run}`;
  let kafka: KafkaClient;
  let admin: Admin;

  beforeAll(async () => {
    kafka = new Kafka({
      clientId: "ipledger-int-kafka-broker",
      brokers,
      connectionTimeout: 3000,
      requestTimeout: 10_000,
      retry: { retries: 3, initialRetryTime: 100 },
      logLevel: logLevel.WARN,
    });
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    if (!admin) return;
    try {
      if ((await admin.listTopics()).includes(topic)) await admin.deleteTopics({ topics: [topic], timeout: 10_000 });
    } finally {
      await admin.disconnect();
    }
  });

  it("creates a topic with infinite retention and 3 partitions, and reads the config back", async () => {
    const created = await admin.createTopics({
      waitForLeaders: true,
      timeout: 10_000,
      topics: [
        {
          topic,
          numPartitions: PARTITIONS,
          replicationFactor: 1,
          configEntries: Object.entries(RETENTION).map(([name, value]) => ({ name, value })),
        },
      ],
    });
    expect(created).toBe(true);

    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(meta.topics[0]?.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);
    for (const p of meta.topics[0]?.partitions ?? []) expect(p.leader).toBeGreaterThanOrEqual(0);

    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: Object.keys(RETENTION) }],
    });
    const entries = described.resources[0]?.configEntries ?? [];
    const got = Object.fromEntries(entries.map((e) => [e.configName, e.configValue]));
    expect(got).toEqual(RETENTION);
    for (const e of entries) expect(e.isDefault, `${e.configName} should be a topic override`).toBe(false);
  }, 15_000);

  it("does not auto-create topics (auto.create.topics.enable=false)", async () => {
    const strict = new Kafka({
      clientId: "ipledger-int-no-autocreate",
      brokers,
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    });
    const probe = strict.admin();
    await probe.connect();
    const ghost = `ipledger-int-missing-${run}`;
    try {
      await expect(probe.fetchTopicMetadata({ topics: [ghost] })).rejects.toThrow(
        /does not host this topic-partition/i,
      );
      expect(await probe.listTopics()).not.toContain(ghost);
    } finally {
      await probe.disconnect();
    }
  }, 10_000);

  it("produces with acks=-1, plain and idempotent, then fetchTopicOffsets sees every record", async () => {
    const records = (producer: string): Message[] =>
      Array.from({ length: PER_PRODUCER }, (_, i) => ({
        key: `${producer}-${i}`,
        value: JSON.stringify({ producer, seq: i }),
        partition: i % PARTITIONS,
        headers: { producer },
      }));

    // Plain producer: one send carrying the whole batch.
    const plain = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: false });
    await plain.connect();
    try {
      const meta = await plain.send({ topic, acks: -1, timeout: 10_000, messages: records("plain") });
      expect(meta.map((m) => m.errorCode)).toEqual(Array(PARTITIONS).fill(0));
    } finally {
      await plain.disconnect();
    }

    // Idempotent producer (InitProducerId v1, Produce v7 with sequence numbers). kafkajs needs acks=-1
    // and one request in flight. Awaited sends one record at a time exercise the sequence numbers.
    const idem = kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
      // kafkajs warns that capped retries "may invalidate EoS" unless retries is unbounded; the
      // retry time stays bounded.
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 10_000 },
    });
    await idem.connect();
    try {
      for (const message of records("idem")) {
        const [meta] = await idem.send({ topic, acks: -1, timeout: 10_000, messages: [message] });
        expect(meta?.errorCode).toBe(0);
      }
    } finally {
      await idem.disconnect();
    }

    const offsets = await admin.fetchTopicOffsets(topic);
    const perPartition = (2 * PER_PRODUCER) / PARTITIONS;
    expect(offsets.map((o) => [o.partition, o.low, o.high]).sort()).toEqual(
      Array.from({ length: PARTITIONS }, (_, p) => [p, "0", String(perPartition)]),
    );
  }, 15_000);

  it("consumes everything from the beginning in a consumer group and commits the end offsets", async () => {
    const end = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
    const total = [...end.values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(2 * PER_PRODUCER);

    const seen: { partition: number; offset: number; producer: string; seq: number }[] = [];
    const consumer: Consumer = kafka.consumer({
      groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 200,
    });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      let done!: () => void;
      const all = new Promise<void>((resolve) => (done = resolve));
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          const v = JSON.parse(message.value?.toString() ?? "null") as { producer: string; seq: number };
          expect(message.headers?.producer?.toString()).toBe(v.producer);
          seen.push({ partition, offset: Number(message.offset), ...v });
          if (seen.length >= total) done();
        },
      });
      await Promise.race([
        all,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error(`consumed ${seen.length}/${total} in 10 s`)), 10_000),
        ),
      ]);

      // Offsets within a partition are dense and in order; every record arrived exactly once.
      for (const [p, high] of end) {
        expect(seen.filter((s) => s.partition === p).map((s) => s.offset)).toEqual(
          Array.from({ length: high }, (_, i) => i),
        );
      }
      const keys = seen.map((s) => `${s.producer}-${s.seq}`).sort();
      expect(new Set(keys).size).toBe(total);
      // Per producer, the sequence order inside each partition is the send order.
      for (const producer of ["plain", "idem"]) {
        for (let p = 0; p < PARTITIONS; p++) {
          const seqs = seen.filter((s) => s.producer === producer && s.partition === p).map((s) => s.seq);
          expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        }
      }

      // The classic group protocol is what kafkajs speaks; Kafka 4.x still serves it.
      const { groups } = await admin.describeGroups([groupId]);
      expect(groups[0]?.protocolType).toBe("consumer");
      expect(groups[0]?.state).toBe("Stable");
      expect(groups[0]?.members).toHaveLength(1);

      // Auto-commit after each batch: the committed offsets reach the end offsets.
      const deadline = Date.now() + 5000;
      let committed: number[] = [];
      while (Date.now() < deadline) {
        const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
        committed = (t?.partitions ?? []).sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
        if (committed.every((o, p) => o === end.get(p))) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(committed).toEqual([...end.keys()].sort().map((p) => end.get(p)));
    } finally {
      await consumer.disconnect();
    }
    await admin.deleteGroups([groupId]);
  }, 20_000);

  it("deletes the topic", async () => {
    await admin.deleteTopics({ topics: [topic], timeout: 10_000 });
    const deadline = Date.now() + 5000;
    while ((await admin.listTopics()).includes(topic) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(await admin.listTopics()).not.toContain(topic);
  }, 10_000);
});
