import kafkajs from "kafkajs";
import type { Admin } from "kafkajs";
import { LedgerError } from "../../core/errors.js";
import type { KafkaLogSink } from "./kafkaClient.js";

const { ConfigResourceTypes } = kafkajs;

/** Keep every event forever, never compact: compaction keeps one record per key and would rewrite history. */
export const TOPIC_CONFIG = { "cleanup.policy": "delete", "retention.ms": "-1", "retention.bytes": "-1" } as const;

export interface TopicRequest {
  readonly topic: string;
  readonly partitions: number;
  readonly create: boolean;
  readonly replicationFactor?: number;
  readonly timeoutMs: number;
  readonly logger?: KafkaLogSink;
}

/**
 * Makes sure the log's topic exists and returns its partition count. A missing topic is created
 * (unless `create` is false: NOT_FOUND) with `TOPIC_CONFIG` (several agents may race to create it; the loser uses the winner's). An
 * existing topic keeps its partition count, whatever was asked, because the domain-to-partition
 * mapping depends on it; a compacted topic is refused, finite retention is warned about.
 *
 * @example const partitions = await ensureTopic(admin, { topic: "ipledger-events", partitions: 6, create: true, timeoutMs: 30_000 });
 */
export async function ensureTopic(admin: Admin, request: TopicRequest): Promise<number> {
  const { topic } = request;
  if (!(await admin.listTopics()).includes(topic)) {
    if (!request.create)
      throw new LedgerError(
        "NOT_FOUND",
        `Kafka topic ${topic} does not exist; check --topic, or start an agent on it first (agents create the topic)`,
        { key: "--topic" },
      );
    const replicationFactor = request.replicationFactor ?? Math.min(3, (await admin.describeCluster()).brokers.length);
    await admin.createTopics({
      waitForLeaders: true,
      timeout: request.timeoutMs,
      topics: [
        {
          topic,
          numPartitions: request.partitions,
          replicationFactor,
          configEntries: Object.entries(TOPIC_CONFIG).map(([name, value]) => ({ name, value })),
        },
      ],
    });
  } else {
    await checkTopicConfig(admin, request);
  }
  const count = await settledPartitionCount(admin, request);
  if (count !== request.partitions) {
    request.logger?.warn(
      { topic, partitions: count, requested: request.partitions },
      "the topic exists with another partition count; using its own",
    );
  }
  return count;
}

/**
 * The topic's partition count once every partition has a leader. In KRaft a broker learns of a
 * new topic a moment after the controller created it, and kafkajs' metadata call does not retry
 * "This server does not host this topic-partition", so this waits until `timeoutMs`.
 */
async function settledPartitionCount(admin: Admin, { topic, timeoutMs }: TopicRequest): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      const partitions = metadata.topics.find((entry) => entry.name === topic)?.partitions ?? [];
      if (partitions.length > 0 && partitions.every((partition) => partition.leader >= 0)) return partitions.length;
    } catch (error) {
      if ((error as { retriable?: boolean }).retriable !== true || Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline)
      throw new LedgerError(
        "LOG_UNAVAILABLE",
        `Kafka topic ${topic} has partitions without a leader after ${timeoutMs} ms; check the brokers`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function checkTopicConfig(admin: Admin, request: TopicRequest): Promise<void> {
  const { topic } = request;
  let values: Map<string, string>;
  try {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: Object.keys(TOPIC_CONFIG) }],
    });
    values = new Map(
      (described.resources[0]?.configEntries ?? []).map((entry) => [entry.configName, entry.configValue]),
    );
  } catch (error) {
    request.logger?.warn(
      { topic, err: error },
      "cannot read the topic's configuration (DescribeConfigs); not checking retention and compaction",
    );
    return;
  }
  if ((values.get("cleanup.policy") ?? "").includes("compact")) {
    throw new LedgerError(
      "INVALID_CONFIG",
      `Kafka topic ${topic} has cleanup.policy=${values.get("cleanup.policy")}: compaction drops events and changes what a replay decides; ` +
        `set cleanup.policy=delete, retention.ms=-1 and retention.bytes=-1 on it (kafka-configs.sh --alter --entity-type topics --entity-name ${topic} --add-config ...), or use another --topic`,
      { key: "--topic" },
    );
  }
  for (const name of ["retention.ms", "retention.bytes"] as const) {
    if (values.has(name) && values.get(name) !== "-1") {
      request.logger?.warn(
        { topic, [name]: values.get(name) },
        `the topic's ${name} is finite: Kafka will delete old events and the ledger will stop replaying; set it to -1`,
      );
    }
  }
}
