import type { Command } from "commander";
import { parseOutput, type OutputFormat } from "../output.js";
import { DEFAULT_DATA_DIR } from "../defaults.js";

export interface QueryOptions {
  readonly dataDir: string;
  readonly socket?: string;
  readonly output: OutputFormat;
}

/** The options every query shares: where to read and how to print. */
export function withQueryOptions(command: Command): Command {
  return command
    .option("--data-dir <dir>", "read the projection in this data directory", DEFAULT_DATA_DIR)
    .option("--socket <path>", "ask the agent on this unix socket instead of reading the data directory")
    .option("--output <format>", "table or json", parseOutput, "table");
}
