import type { Command } from "commander";
import { parseOutput, type OutputFormat } from "../output.js";
import { DEFAULT_DATA_DIR } from "../../dataFiles.js";
import { CliError, EXIT } from "../exitCodes.js";
import { openQuerySource, type QuerySource } from "../querySource.js";
import {
  openKafkaQuerySource,
  rejectStrayKafkaOptions,
  usesKafka,
  withLogOptions,
  type LogOptions,
} from "./logOptions.js";

export interface QueryOptions extends LogOptions {
  readonly dataDir: string;
  readonly socket?: string;
  readonly output: OutputFormat;
}

/** The options every query shares: where to read (data directory, agent socket or Kafka log) and how to print. */
export function withQueryOptions(command: Command): Command {
  return withLogOptions(
    command
      .option("--data-dir <dir>", "read the projection in this data directory", DEFAULT_DATA_DIR)
      .option("--socket <path>", "ask the agent on this unix socket instead of reading the data directory")
      .option("--output <format>", "table or json", parseOutput, "table"),
  );
}

/** The source a query reads: the agent (`--socket`), the Kafka log (`--kafka`, replayed), or the data directory. */
export async function openQuerySourceFor(options: QueryOptions): Promise<QuerySource> {
  if (!usesKafka(options)) {
    rejectStrayKafkaOptions(options);
    return openQuerySource(options);
  }
  if (options.socket)
    throw new CliError(EXIT.usage, "pass either --socket (ask an agent) or --kafka (read the log), not both");
  return openKafkaQuerySource(options);
}
