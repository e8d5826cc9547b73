import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { openSqliteEventLog } from "../../../ledger/log/sqliteEventLog.js";
import { openSqliteProjection } from "../../../projections/sqlite/sqliteProjection.js";
import { verifyLedger } from "../../../projections/verifyLedger.js";
import { LOG_FILE, PROJECTION_FILE } from "../../agent.js";
import { DEFAULT_DATA_DIR } from "../defaults.js";
import { CliError, EXIT } from "../exitCodes.js";
import { parseOutput, renderJson, type OutputFormat } from "../output.js";

export function registerVerifyCommand(program: Command, exit: { code: number }): void {
  program
    .command("verify")
    .description("check the hash chain, that no address ever had two owners, and that the projection equals a replay")
    .option("--data-dir <dir>", "the data directory", DEFAULT_DATA_DIR)
    .option("--output <format>", "table or json", parseOutput, "table")
    .action(async (options: { dataDir: string; output: OutputFormat }) => {
      const dataDir = resolve(options.dataDir);
      const logPath = join(dataDir, LOG_FILE);
      if (!existsSync(logPath)) throw new CliError(EXIT.notFound, `no log at ${logPath}; pass the agent's --data-dir`);
      const log = openSqliteEventLog({ path: logPath });
      const projectionPath = join(dataDir, PROJECTION_FILE);
      const projection = existsSync(projectionPath) ? openSqliteProjection(projectionPath) : undefined;
      try {
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
