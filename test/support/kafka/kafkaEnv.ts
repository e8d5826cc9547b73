import { randomUUID } from "node:crypto";
import { it } from "vitest";
import kafkajs from "kafkajs";
import {
  openKafkaEventLog,
  type KafkaEventLog,
  type KafkaEventLogOptions,
} from "../../../ledger/log/kafka/kafkaEventLog.js";

const { Kafka, logLevel } = kafkajs;

export const KAFKA_START = "test/services/kafka/start";

/** The brokers of `IPLEDGER_KAFKA_BROKERS` (empty when unset). */
export const kafkaBrokers: readonly string[] =
  process.env.IPLEDGER_KAFKA_BROKERS?.split(",")
    .map((broker) => broker.trim())
    .filter(Boolean) ?? [];

/**
 * Call at the top of a Kafka test file. Without `IPLEDGER_KAFKA_BROKERS` the file's suites skip
 // Skips only outside CI, loudly, when no broker is configured; with CI set requireKafka fails the file instead.
 * (`describe.skipIf(!hasKafka)`) with a loud warning, or, when `CI` is set, a test fails naming
 * the script that starts the broker. Returns whether the broker is configured.
 *
 * @example
 *   const hasKafka = requireKafka("kafkaEventLog.int.test.ts");
 // Skips only outside CI, loudly, when no broker is configured; with CI set requireKafka fails the file instead.
 *   describe.skipIf(!hasKafka)("…", () => { … });
 */
export function requireKafka(file: string): boolean {
  if (kafkaBrokers.length > 0) return true;
  const missing =
    `IPLEDGER_KAFKA_BROKERS is not set, so ${file} cannot run against a real Kafka broker. Start one with ` +
    `\`export IPLEDGER_KAFKA_BROKERS=$(${KAFKA_START} | tail -n1)\` and stop it with test/services/kafka/stop.`;
  if (process.env.CI) {
    it("has a Kafka broker to test against (IPLEDGER_KAFKA_BROKERS)", () => {
      throw new Error(`CI is set: ${missing}`);
    });
  } else {
    console.warn(`\n${"!".repeat(100)}\n!!! SKIPPING ${file}: ${missing}\n${"!".repeat(100)}\n`);
  }
  return false;
}

/** A topic name no other test uses. */
export function freshTopic(purpose: string): string {
  return `ipledger-int-${purpose}-${randomUUID().slice(0, 8)}`;
}

/** Opens the Kafka log on a fresh topic (3 partitions unless asked otherwise). */
export function openTestKafkaLog(
  topic: string,
  options: Partial<KafkaEventLogOptions> = {},
  brokers = kafkaBrokers,
): Promise<KafkaEventLog> {
  return openKafkaEventLog({
    brokers,
    topic,
    clientId: "ipledger-int",
    partitions: 3,
    replicationFactor: 1,
    ...options,
  });
}

/** Deletes topics, ignoring ones that are already gone; a best effort for clean-up. */
export async function deleteTopics(topics: readonly string[], brokers = kafkaBrokers): Promise<void> {
  if (topics.length === 0) return;
  const admin = new Kafka({
    clientId: "ipledger-int-cleanup",
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
  }).admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const doomed = topics.filter((topic) => existing.has(topic));
    if (doomed.length > 0) await admin.deleteTopics({ topics: doomed, timeout: 10_000 });
  } catch {
    // a stopped broker or a topic deleted meanwhile: nothing left to clean
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
