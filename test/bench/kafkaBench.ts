import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import kafkajs from "kafkajs";
import { openKafkaEventLog } from "../../ledger/log/kafka/kafkaEventLog.js";
import { startAgent } from "../../src/agent.js";
import { formatRate, median } from "./benchStats.js";
import { benchAddBody, postToSocket } from "./socketPost.js";

const { Kafka, logLevel } = kafkajs;

/** Throughput and latency of one measured run. */
export interface LatencyRun {
  readonly perSecond: number;
  /** Milliseconds of every operation, for percentiles over several runs. */
  readonly latencies: readonly number[];
}

/** Milliseconds at quantile `q` (0..1). */
export function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

/** Runs `count` operations with `concurrency` in flight, timing each. */
async function timed(
  count: number,
  concurrency: number,
  operation: (index: number) => Promise<void>,
): Promise<LatencyRun> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      const begun = performance.now();
      await operation(index);
      latencies.push(performance.now() - begun);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { perSecond: count / ((performance.now() - started) / 1000), latencies };
}

/** Removes a bench topic from the shared broker. */
export async function deleteTopic(brokers: readonly string[], topic: string): Promise<void> {
  const admin = new Kafka({
    clientId: "ipledger-bench-cleanup",
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [topic], timeout: 10_000 });
  } finally {
    await admin.disconnect();
  }
}

/**
 * ADDs through one agent's API on its unix socket, the agent's log on a fresh Kafka topic: each
 * ADD decides, appends with acks=-1 and waits until the agent's tail has folded the event. Also
 * returns the size of the agent's AddressAllocated records, for the raw-produce baseline.
 */
export async function kafkaAgentAllocations(
  brokers: readonly string[],
  count: number,
  concurrency: number,
): Promise<LatencyRun & { recordBytes: number }> {
  const dir = mkdtempSync(join(tmpdir(), "ipledger-bench-kafka-"));
  const topic = `ipledger-bench-${randomUUID().slice(0, 8)}`;
  const log = await openKafkaEventLog({ brokers, topic, clientId: "ipledger-bench", partitions: 3 });
  const agent = await startAgent({ dataDir: dir, socket: join(dir, "agent.sock"), node: "bench", log, quiet: true });
  try {
    const body = benchAddBody;
    if ((await postToSocket(agent.socketPath, "/v1/cni/add", body(-1))) !== 200)
      throw new Error("the warm-up ADD failed"); // defines the pool
    const run = await timed(count, concurrency, async (index) => {
      const status = await postToSocket(agent.socketPath, "/v1/cni/add", body(index));
      if (status !== 200) throw new Error(`ADD ${index} answered ${status}`);
    });
    const partition = await log.partitionFor("");
    const allocated = (await log.read(partition, 0, 3)).find((entry) => entry.event.type === "AddressAllocated");
    if (!allocated) throw new Error("no AddressAllocated record in the bench topic");
    const { prev: _prev, hash: _hash, ...record } = allocated.event;
    return { ...run, recordBytes: Buffer.byteLength(JSON.stringify(record)) };
  } finally {
    await agent.close();
    rmSync(dir, { recursive: true, force: true });
    await deleteTopic(brokers, topic).catch(() => undefined);
  }
}

/** The baseline: raw kafkajs `send` of one `bytes`-byte record each, acks=-1, to one partition. */
export async function rawKafkaProduce(
  brokers: readonly string[],
  count: number,
  concurrency: number,
  bytes: number,
): Promise<LatencyRun> {
  const topic = `ipledger-bench-raw-${randomUUID().slice(0, 8)}`;
  const kafka = new Kafka({ clientId: "ipledger-bench-raw", brokers: [...brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await Promise.all([admin.connect(), producer.connect()]);
  try {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3, replicationFactor: 1 }] });
    const value = "x".repeat(bytes);
    await producer.send({ topic, acks: -1, messages: [{ key: "", value, partition: 0 }] }); // warm-up: metadata and connection
    return await timed(count, concurrency, async () => {
      await producer.send({ topic, acks: -1, messages: [{ key: "", value, partition: 0 }] });
    });
  } finally {
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic], timeout: 10_000 }).catch(() => undefined);
    await admin.disconnect();
  }
}

/**
 * The Kafka lines of `npm run bench` (only when IPLEDGER_KAFKA_BROKERS names a broker): ADDs
 * through the agent at 1, 16 and 64 in flight, each next to raw kafkajs produce (acks=-1) of
 * records of the same size at the same concurrency. Rates are medians of `runs` runs; p50/p99
 * are over every operation of those runs.
 */
export async function reportKafkaBenchmarks(
  brokers: readonly string[],
  runs: number,
  count: number,
  report: (line: string) => void,
): Promise<void> {
  const ms = (value: number) => `${value.toFixed(1)} ms`.padStart(8);
  for (const concurrency of [1, 16, 64]) {
    const agentRuns: (LatencyRun & { recordBytes: number })[] = [];
    for (let run = 0; run < runs; run += 1) agentRuns.push(await kafkaAgentAllocations(brokers, count, concurrency));
    const bytes = agentRuns[0]?.recordBytes ?? 400;
    const rawRuns: LatencyRun[] = [];
    for (let run = 0; run < runs; run += 1) rawRuns.push(await rawKafkaProduce(brokers, count, concurrency, bytes));
    const summary = (list: readonly LatencyRun[]) => {
      const all = list.flatMap((entry) => entry.latencies);
      return {
        rate: median(list.map((entry) => entry.perSecond)),
        p50: percentile(all, 0.5),
        p99: percentile(all, 0.99),
      };
    };
    const agent = summary(agentRuns);
    const raw = summary(rawRuns);
    const inFlight = String(concurrency).padStart(2);
    report(
      `baseline  raw kafkajs produce, acks=-1, ${bytes}-byte records, ${inFlight} in flight      ${formatRate(raw.rate)} records/s  p50 ${ms(raw.p50)}  p99 ${ms(raw.p99)}`,
    );
    report(
      `kafka     ADD through the agent API, Kafka log, ${inFlight} in flight        ${formatRate(agent.rate)} allocations/s  p50 ${ms(agent.p50)}  p99 ${ms(agent.p99)}  (${(agent.rate / raw.rate).toFixed(3)}× raw produce)`,
    );
  }
}
