import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { openSqliteProjection } from "../../../projections/sqlite/sqliteProjection.js";
import { verifyLedger } from "../../../projections/verifyLedger.js";
import { PROJECTION_FILE } from "../../agent.js";
import { DEFAULT_DATA_DIR } from "../defaults.js";
import { EXIT } from "../exitCodes.js";
import { parseOutput, renderJson, type OutputFormat } from "../output.js";
import { openCommandLog, usesKafka, withLogOptions, type LogOptions } from "./logOptions.js";

export function registerVerifyCommand(program: Command, exit: { code: number }): void {
  withLogOptions(program
    .command("verify")
    .description("check the hash chain, that no address ever had two owners, and that the projection equals a replay (on Kafka the chain heads the projection recorded are what catches an edited log)")
    .option("--data-dir <dir>", "the data directory", DEFAULT_DATA_DIR)
    .option("--output <format>", "table or json", parseOutput, "table"))
    .action(async (options: LogOptions & { dataDir: string; output: OutputFormat }) => {
      const dataDir = resolve(options.dataDir);
      const log = await openCommandLog(options, dataDir);
      const projectionPath = join(dataDir, PROJECTION_FILE);
      let projection: ReturnType<typeof openSqliteProjection> | undefined;
      try {
        projection = existsSync(projectionPath) ? openSqliteProjection(projectionPath) : undefined;
        if (!projection && usesKafka(options)) {
          process.stderr.write(`note: no projection in ${dataDir}; on Kafka the hash chain is computed by readers, so an edited record is caught against the chain heads an agent's projection recorded: pass that agent's --data-dir\n`);
        }
        const report = await verifyLedger(log, projection);
        if (options.output === "json") process.stdout.write(`${renderJson(report)}\n`);
        else if (report.ok) process.stdout.write(`ok: ${report.events} events in ${report.partitions} partitions; chain intact, no address ever had two owners${projection ? ", projection equals a replay" : ""}\n`);
        else process.stdout.write(`FAILED: ${report.problem}\n`);
        exit.code = report.ok ? EXIT.ok : EXIT.checkFailed;
      } finally {
        projection?.close();
        await log.close();
      }
    });
}
