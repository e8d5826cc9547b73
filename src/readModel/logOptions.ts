import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import type { EventLog } from "../../ledger/log/eventLog.js";
import type { KafkaEventLog, KafkaEventLogOptions } from "../../ledger/log/kafka/kafkaEventLog.js";
import type { KafkaLogSink, SaslMechanism } from "../../ledger/log/kafka/kafkaClient.js";
import { openSqliteEventLog } from "../../ledger/log/sqliteEventLog.js";
import { LOG_FILE } from "../dataFiles.js";
import { CliError, EXIT } from "../exitCodes.js";

export const DEFAULT_TOPIC = "ipledger-events";
const MECHANISMS: readonly SaslMechanism[] = ["plain", "scram-sha-256", "scram-sha-512"];

/** Where a command finds the log: the embedded SQLite log of `--data-dir`, or a Kafka topic. */
export interface LogOptions {
  readonly kafka?: string;
  readonly topic: string;
  readonly kafkaSsl?: boolean;
  readonly kafkaCa?: string;
  readonly kafkaSaslMechanism?: SaslMechanism;
  readonly kafkaUsername?: string;
  readonly kafkaPasswordFile?: string;
  readonly kafkaPartitions: number;
}

/**
 * Adds the log options every command that reads or writes the log shares: `--kafka` and
 * `--topic`, plus TLS and SASL passed through to the Kafka client. Secrets come from a file,
 * never from the command line, and are never printed.
 *
 * @example withLogOptions(program.command("verify")).action(async (options) => { const log = await openCommandLog(options, dataDir); … })
 */
export function withLogOptions(command: Command): Command {
  return command
    .option(
      "--kafka <brokers>",
      "use the Kafka log on these brokers (host:port[,host:port…]) instead of the embedded SQLite log",
    )
    .option("--topic <name>", "the Kafka topic that holds the log", DEFAULT_TOPIC)
    .option("--kafka-ssl", "connect to the brokers over TLS (system CAs unless --kafka-ca)")
    .option("--kafka-ca <file>", "PEM file of the CA that signs the brokers' certificates (implies --kafka-ssl)")
    .option("--kafka-sasl-mechanism <mechanism>", `SASL mechanism: ${MECHANISMS.join(", ")}`, parseMechanism)
    .option("--kafka-username <name>", "SASL user name")
    .option("--kafka-password-file <file>", "file whose first line is the SASL password")
    .option(
      "--kafka-partitions <count>",
      "partitions of the topic when ipledger creates it (an existing topic keeps its own)",
      parseCount,
      6,
    );
}

/** kafkajs is loaded only by commands given `--kafka`, so the others start as fast as before. */
async function openKafkaEventLog(options: KafkaEventLogOptions): Promise<KafkaEventLog> {
  const { openKafkaEventLog: open } = await import("../../ledger/log/kafka/kafkaEventLog.js");
  return open(options);
}

/** Who opens the log: agents create a missing topic; read-only commands refuse a topic that is not there. */
export interface KafkaClientRole {
  readonly clientId: string;
  readonly createTopic: boolean;
  readonly logger?: KafkaLogSink;
  /** The agent's append deadline, so that a down broker fails the append (code 11) within it. */
  readonly appendTimeoutMs?: number;
}

/** The role of the read-only commands (replay, verify, queries). */
export const CLI_READER: KafkaClientRole = { clientId: "ipledger-cli", createTopic: false };

/** True when the command was given `--kafka`. */
export function usesKafka(options: LogOptions): options is LogOptions & { kafka: string } {
  return options.kafka !== undefined;
}

/**
 * The Kafka client options for `--kafka …`, checked: broker addresses, SASL needing user and
 * password file, no `--kafka-*` option without `--kafka`.
 */
export function kafkaOptionsOf(options: LogOptions, client: KafkaClientRole): KafkaEventLogOptions {
  rejectStrayKafkaOptions(options);
  if (!usesKafka(options)) throw new CliError(EXIT.usage, "this needs --kafka host:port[,…]");
  const brokers = options.kafka
    .split(",")
    .map((broker) => broker.trim())
    .filter(Boolean);
  const bad = brokers.find((broker) => !/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/.test(broker));
  if (brokers.length === 0 || bad !== undefined) {
    throw new CliError(
      EXIT.usage,
      `--kafka ${options.kafka}: every broker must be host:port, e.g. --kafka kafka-0:9092,kafka-1:9092`,
    );
  }
  return {
    brokers,
    topic: options.topic,
    clientId: client.clientId,
    createTopic: client.createTopic,
    partitions: options.kafkaPartitions,
    ...tlsOf(options),
    ...saslOf(options),
    ...(client.logger ? { logger: client.logger } : {}),
    ...(client.appendTimeoutMs ? { appendTimeoutMs: client.appendTimeoutMs } : {}),
  };
}

function tlsOf(options: LogOptions): Pick<KafkaEventLogOptions, "ssl"> {
  if (options.kafkaCa) return { ssl: { ca: [readSecretFile(options.kafkaCa, "--kafka-ca")] } };
  return options.kafkaSsl ? { ssl: true } : {};
}

function saslOf(options: LogOptions): Pick<KafkaEventLogOptions, "sasl"> {
  const { kafkaSaslMechanism: mechanism, kafkaUsername: username, kafkaPasswordFile: passwordFile } = options;
  if (mechanism === undefined && username === undefined && passwordFile === undefined) return {};
  if (mechanism === undefined || username === undefined || passwordFile === undefined) {
    throw new CliError(
      EXIT.usage,
      "SASL needs all of --kafka-sasl-mechanism, --kafka-username and --kafka-password-file",
    );
  }
  const password = readSecretFile(passwordFile, "--kafka-password-file").split(/\r?\n/)[0] ?? "";
  if (password === "")
    throw new CliError(
      EXIT.usage,
      `--kafka-password-file ${passwordFile} is empty; put the password on its first line`,
    );
  return { sasl: { mechanism, username, password } };
}

function readSecretFile(path: string, option: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new CliError(
      EXIT.usage,
      `${option} ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); check the path and its permissions`,
    );
  }
}

/**
 * Opens the log a command works on: Kafka with `--kafka`, else the embedded SQLite log of the
 * data directory, which must exist.
 *
 * @example const log = await openCommandLog(options, dataDir);
 */
export async function openCommandLog(
  options: LogOptions,
  dataDir: string,
  client: KafkaClientRole = CLI_READER,
): Promise<EventLog> {
  if (usesKafka(options)) return openKafkaEventLog(kafkaOptionsOf(options, client));
  rejectStrayKafkaOptions(options);
  const path = join(resolve(dataDir), LOG_FILE);
  if (!existsSync(path))
    throw new CliError(
      EXIT.notFound,
      `no log at ${path}; pass the agent's --data-dir, or --kafka and --topic for a Kafka log`,
    );
  return openSqliteEventLog({ path });
}

/** Refuses `--kafka-*` options given without `--kafka`, which would otherwise be silently ignored. */
export function rejectStrayKafkaOptions(options: LogOptions): void {
  if (usesKafka(options)) return;
  if (
    [
      options.kafkaSsl,
      options.kafkaCa,
      options.kafkaSaslMechanism,
      options.kafkaUsername,
      options.kafkaPasswordFile,
    ].some((value) => value !== undefined)
  ) {
    throw new CliError(EXIT.usage, "the --kafka-* options need --kafka host:port[,…]");
  }
}

function parseMechanism(value: string): SaslMechanism {
  const mechanism = value.toLowerCase() as SaslMechanism;
  if (!MECHANISMS.includes(mechanism)) throw new InvalidArgumentError(`must be one of ${MECHANISMS.join(", ")}`);
  return mechanism;
}

function parseCount(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > 10_000)
    throw new InvalidArgumentError("must be a whole number from 1 to 10000");
  return count;
}
