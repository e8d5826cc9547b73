import { fileExists } from "../../../ledger/log/fileAccess.js";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { openSqliteProjection, projectionError } from "../../../projections/sqlite/sqliteProjection.js";
import { verifyLedger } from "../../../projections/verifyLedger.js";
import { isSqliteDamaged } from "../../../ledger/log/sqliteLogErrors.js";
import { verifySignedCheckpoints, type CheckpointReport } from "../../audit/signedCheckpoints.js";
import { loadPublicKey } from "../../audit/signingKeys.js";
import { DEFAULT_DATA_DIR, PROJECTION_FILE } from "../../dataFiles.js";
import { CliError, EXIT } from "../../exitCodes.js";
import { parseOutput, renderJson, type OutputFormat } from "../../output.js";
import { openCommandLog, usesKafka, withLogOptions, type LogOptions } from "../../readModel/logOptions.js";
import type { CommandIo } from "../commandIo.js";

export function registerVerifyCommand(program: Command, exit: { code: number }, io: CommandIo): void {
  withLogOptions(
    program
      .command("verify")
      .description(
        "check the hash chain, that no address ever had two owners, and that the projection equals a replay (on Kafka the chain heads the projection recorded are what catches an edited log)",
      )
      .option("--data-dir <dir>", "the data directory", DEFAULT_DATA_DIR)
      .option("--output <format>", "table or json", parseOutput, "table")
      .option(
        "--public-key <file>",
        "also check the signed checkpoints made with this ed25519 public key (PEM); repeatable",
        (value: string, previous: string[] = []) => [...previous, value],
      ),
  ).action(async (options: LogOptions & { dataDir: string; output: OutputFormat; publicKey?: string[] }) => {
    const publicKeys = (options.publicKey ?? []).map((path) => loadPublicKey(path));
    const dataDir = resolve(options.dataDir);
    const log = await openCommandLog(options, dataDir);
    const projectionPath = join(dataDir, PROJECTION_FILE);
    let projection: ReturnType<typeof openSqliteProjection> | undefined;
    try {
      projection = fileExists(projectionPath) ? openSqliteProjection(projectionPath) : undefined;
      if (!projection && usesKafka(options)) {
        io.stderr.write(
          `note: no projection in ${dataDir}; on Kafka the hash chain is computed by readers, so an edited record is caught against the chain heads an agent's projection recorded: pass that agent's --data-dir\n`,
        );
      }
      const ledger = await verifyLedger(log, projection).catch((error: unknown) => {
        // A damaged projection is a failed check of that file: named, exit 1, not "internal".
        const named = projectionError(projectionPath, error);
        if (named !== error) throw new CliError(EXIT.checkFailed, (named as Error).message);
        // A damaged log is a failed check too; its message names the file (ledger.db).
        if (isSqliteDamaged(error)) throw new CliError(EXIT.checkFailed, (error as Error).message);
        throw error;
      });
      const signatures: CheckpointReport | undefined =
        ledger.ok && publicKeys.length > 0 ? await verifySignedCheckpoints(log, publicKeys) : undefined;
      // A projection that differs from a replay is a damaged projection file: name it and say what to do.
      const problem = ledger.projectionDiffers
        ? `${ledger.problem} (the projection ${projectionPath} holds nothing the log does not: stop the agent, move the file away and start it again, or run ipledger replay)`
        : ledger.problem;
      const report = {
        ...ledger,
        ...(problem ? { problem } : {}),
        ok: ledger.ok && (signatures?.ok ?? true),
        ...(signatures ? { signedCheckpoints: signatures } : {}),
        ...(signatures?.problem ? { problem: signatures.problem } : {}),
      };
      if (options.output === "json") io.stdout.write(`${renderJson(report)}\n`);
      else if (report.ok) {
        io.stdout.write(
          `ok: ${report.events} events in ${report.partitions} partitions; chain intact, no address ever had two owners${projection ? ", projection equals a replay" : ""}\n`,
        );
        if (signatures) {
          const covered = Object.entries(signatures.covered).map(
            ([partition, head]) => `partition ${partition} up to offset ${head.offset} (signed ${head.signedAt})`,
          );
          io.stdout.write(
            `ok: ${signatures.verified} signed checkpoints verified (key ${signatures.covered[Object.keys(signatures.covered)[0] ?? ""]?.keyId ?? "?"}): ${covered.join(", ")}${signatures.otherKeys ? `; ${signatures.otherKeys} by other keys not judged` : ""}\n`,
          );
        }
      } else io.stdout.write(`FAILED: ${report.problem}\n`);
      exit.code = report.ok ? EXIT.ok : EXIT.checkFailed;
    } finally {
      projection?.close();
      await log.close();
    }
  });
}
