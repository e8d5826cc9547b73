import { chmodSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { openSqliteEventLog } from "../../../ledger/log/sqliteEventLog.js";
import { generateChurn } from "../../generate/churnGenerator.js";
import { DEFAULT_DATA_DIR, LOG_FILE } from "../../dataFiles.js";
import { EXIT } from "../../exitCodes.js";
import { parseOutput, renderJson, type OutputFormat } from "../../output.js";

function wholeNumber(min: number, max: number) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < min || number > max)
      throw new InvalidArgumentError(`must be a whole number from ${min} to ${max}`);
    return number;
  };
}

export function registerGenerateCommand(program: Command, exit: { code: number }): void {
  program
    .command("generate")
    .description(
      "write a seeded, realistic churn history (pods coming and going, sticky pods, GC, operator actions) into a new embedded log, through the real decider: for sizing hardware and for benchmarks",
    )
    .option("--data-dir <dir>", "a new data directory (its log must be empty)", DEFAULT_DATA_DIR)
    .requiredOption("--events <count>", "how many events to write", wholeNumber(1, 1_000_000_000))
    .option("--pools <count>", "how many /22 pools, spread over 8 networks", wholeNumber(1, 15_360), 4)
    .option("--seed <number>", "the seed: the same seed writes the same log", wholeNumber(0, 2 ** 32 - 1), 1)
    .option("--output <format>", "table or json", parseOutput, "table")
    .action(async (options: { dataDir: string; events: number; pools: number; seed: number; output: OutputFormat }) => {
      const dataDir = resolve(options.dataDir);
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      const path = join(dataDir, LOG_FILE);
      const log = openSqliteEventLog({ path });
      chmodSync(path, 0o600);
      const started = Date.now();
      try {
        const report = await generateChurn(log, {
          events: options.events,
          pools: options.pools,
          seed: options.seed,
          onProgress: (written) => {
            if (process.stderr.isTTY) process.stderr.write(`\rgenerate ${written}/${options.events} events`);
          },
        });
        const seconds = (Date.now() - started) / 1000;
        if (process.stderr.isTTY) process.stderr.write("\n");
        const summary = {
          ...report,
          seconds,
          eventsPerSecond: Math.round(report.events / Math.max(seconds, 0.001)),
          log: path,
        };
        if (options.output === "json") process.stdout.write(`${renderJson(summary)}\n`);
        else {
          const types = Object.entries(report.byType)
            .map(([type, count]) => `${type} ${count}`)
            .join(", ");
          process.stdout.write(
            `wrote ${report.events} events into ${report.partitions} partitions of ${path} in ${seconds.toFixed(1)} s (${summary.eventsPerSecond} events/s): ${types}\n`,
          );
        }
        exit.code = EXIT.ok;
      } finally {
        await log.close();
      }
    });
}
