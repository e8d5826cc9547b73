import type { ConnectionOptions } from "node:tls";
import kafkajs from "kafkajs";
import type { Kafka, LogEntry, RetryOptions, SASLOptions } from "kafkajs";

const { Kafka: KafkaClient, logLevel } = kafkajs;

/** A pino-compatible sink for the adapter's own warnings and for kafkajs' log (at debug). */
export interface KafkaLogSink {
  debug(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export type SaslMechanism = "plain" | "scram-sha-256" | "scram-sha-512";

export interface KafkaEventLogOptions {
  /** Bootstrap brokers, `host:port` each. */
  readonly brokers: readonly string[];
  /** The log's topic; created when missing (see `partitions`). */
  readonly topic: string;
  /** Names this client to the brokers, and prefixes its consumer group ids (`<clientId>-tail-<uuid>`). */
  readonly clientId: string;
  /** Create the topic when it is missing (default true); read-only tools pass false, so a typo in a topic name creates nothing. */
  readonly createTopic?: boolean;
  /** Partitions of a topic the adapter creates. Default 6. An existing topic keeps its own count. */
  readonly partitions?: number;
  /** Replicas of a topic the adapter creates. Default min(3, brokers in the cluster). */
  readonly replicationFactor?: number;
  /** TLS: `true` for the system CAs, or Node TLS options (e.g. `{ ca: [pem] }`). */
  readonly ssl?: boolean | ConnectionOptions;
  readonly sasl?: { readonly mechanism: SaslMechanism; readonly username: string; readonly password: string };
  /** TCP connect timeout per broker, ms. Default 3000. */
  readonly connectionTimeout?: number;
  /** Timeout of one Kafka request, ms. Default 10000. */
  readonly requestTimeout?: number;
  /** An append that the brokers have not acknowledged (acks=-1) by then fails with LOG_UNAVAILABLE, ms. Default 5000. */
  readonly appendTimeoutMs?: number;
  /** A read, end-offset query or open that has not finished by then fails with LOG_UNAVAILABLE, ms. Default 30000. */
  readonly readTimeoutMs?: number;
  /** Consumers' long-poll wait, ms: how long a fetch waits at the broker when there is nothing new. Default 100. */
  readonly maxWaitTimeInMs?: number;
  /** Where warnings go; kafkajs' own log goes to its `debug`. Default: nowhere. */
  readonly logger?: KafkaLogSink;
}

/** The options with their defaults filled. */
export type KafkaSettings = Required<Omit<KafkaEventLogOptions, "ssl" | "sasl" | "logger" | "replicationFactor">> &
  Pick<KafkaEventLogOptions, "ssl" | "sasl" | "logger" | "replicationFactor">;

export function kafkaSettings(options: KafkaEventLogOptions): KafkaSettings {
  return {
    createTopic: true,
    partitions: 6,
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    appendTimeoutMs: 5_000,
    readTimeoutMs: 30_000,
    maxWaitTimeInMs: 100,
    ...options,
  };
}

/**
 * Retries inside kafkajs stay short (about 2.5 s in all), so an outage surfaces as an error the
 * adapter reports and retries itself, instead of a call that hangs for kafkajs' default ~30 s.
 */
export const CLIENT_RETRY: RetryOptions = {
  retries: 5,
  initialRetryTime: 100,
  maxRetryTime: 1_000,
  factor: 0.2,
  multiplier: 2,
};

/** The kafkajs client for these settings. Secrets go to kafkajs only, never to a log line. */
export function createKafkaClient(settings: KafkaSettings): Kafka {
  return new KafkaClient({
    clientId: settings.clientId,
    brokers: [...settings.brokers],
    connectionTimeout: settings.connectionTimeout,
    requestTimeout: settings.requestTimeout,
    retry: CLIENT_RETRY,
    ...(settings.ssl !== undefined ? { ssl: settings.ssl } : {}),
    ...(settings.sasl ? { sasl: { ...settings.sasl } as SASLOptions } : {}),
    // kafkajs logs transient, self-healing conditions (a coordinator still loading, a consumer
    // restarting) at ERROR; the adapter reports what matters itself, so kafkajs goes to debug.
    logLevel: settings.logger ? logLevel.INFO : logLevel.NOTHING,
    logCreator: () => (entry: LogEntry) => {
      const { message, timestamp: _timestamp, ...extra } = entry.log;
      settings.logger?.debug({ kafkajs: entry.namespace, level: entry.label, ...extra }, message);
    },
  });
}
