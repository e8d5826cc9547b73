import { join, resolve } from "node:path";
import type { Command } from "commander";
import { LedgerError } from "../../ledger/core/index.js";
import { DEFAULT_DATA_DIR, PROJECTION_FILE } from "../dataFiles.js";
import { rejectStrayKafkaOptions, usesKafka, type LogOptions } from "./logOptions.js";

/** Where a reading command looks: `--socket`, `--kafka …` or `--data-dir`, as every such command takes them. */
export interface ReadSourceOptions extends LogOptions {
  readonly dataDir: string;
  readonly socket?: string;
}

/** The one source the options name. */
export type ReadSource =
  | { readonly kind: "socket"; readonly socket: string }
  | { readonly kind: "kafka" }
  | { readonly kind: "dataDir"; readonly projectionPath: string };

/**
 * Decides where to read, the same way for every command: `--socket` asks an agent, `--kafka`
 * replays the log, otherwise the projection in `--data-dir`. `--socket` with `--kafka` is an
 * INVALID_REQUEST (exit 2), and `--kafka-*` options without `--kafka` are refused.
 *
 * @example readSourceOf({ dataDir: "/var/lib/ipledger", topic: "ipledger-events", kafkaPartitions: 6 }) // { kind: "dataDir", … }
 */
export function readSourceOf(options: ReadSourceOptions): ReadSource {
  if (options.socket && usesKafka(options))
    throw new LedgerError(
      "INVALID_REQUEST",
      "pass either --socket (ask an agent) or --kafka (read the log), not both",
      { key: "--socket" },
    );
  if (usesKafka(options)) return { kind: "kafka" };
  rejectStrayKafkaOptions(options);
  if (options.socket) return { kind: "socket", socket: options.socket };
  return { kind: "dataDir", projectionPath: join(resolve(options.dataDir), PROJECTION_FILE) };
}

/**
 * Adds `--data-dir` and `--socket`, worded the same for every reading command; the Kafka options
 * come from `withLogOptions`.
 *
 * @example withLogOptions(withReadSourceOptions(program.command("pools")))
 */
export function withReadSourceOptions(command: Command): Command {
  return command
    .option("--data-dir <dir>", "read the projection in this data directory", DEFAULT_DATA_DIR)
    .option("--socket <path>", "ask the agent on this unix socket instead of reading the data directory");
}
