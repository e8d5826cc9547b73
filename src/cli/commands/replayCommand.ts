import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import cliProgress from "cli-progress";
import { replayLog } from "../../../projections/replay.js";
import { openSqliteProjection } from "../../../projections/sqlite/sqliteProjection.js";
import { PROJECTION_FILE } from "../../dataFiles.js";
import { askAgent } from "../../readModel/agentClient.js";
import { DEFAULT_DATA_DIR, DEFAULT_SOCKET } from "../../dataFiles.js";
import { CliError, EXIT } from "../../exitCodes.js";
import { openCommandLog, usesKafka, withLogOptions, type LogOptions } from "../../readModel/logOptions.js";

async function agentIsRunning(socket: string): Promise<boolean> {
  if (!existsSync(socket)) return false;
  return askAgent(socket, "/healthz", { timeoutMs: 1_000 }).then(
    () => true,
    () => false,
  );
}

export function registerReplayCommand(program: Command, exit: { code: number }): void {
  withLogOptions(
    program
      .command("replay")
      .description(
        "rebuild the SQLite projection from offset 0 of the log (embedded, or Kafka with --kafka) into a fresh file, then swap it in",
      )
      .option("--data-dir <dir>", "the data directory", DEFAULT_DATA_DIR)
      .option("--socket <path>", "the agent socket to check first: replay refuses while an agent runs", DEFAULT_SOCKET),
  ).action(async (options: LogOptions & { dataDir: string; socket: string }) => {
    const dataDir = resolve(options.dataDir);
    if ((await agentIsRunning(options.socket)) || (await agentIsRunning(join(dataDir, "agent.sock")))) {
      throw new CliError(
        EXIT.unavailable,
        "an agent is running on this data directory; stop it first, the swap would pull the projection from under it",
      );
    }
    if (usesKafka(options)) mkdirSync(dataDir, { recursive: true, mode: 0o700 }); // a new node can build its projection from the topic
    const freshPath = join(dataDir, `${PROJECTION_FILE}.replay`);
    for (const suffix of ["", "-wal", "-shm"]) rmSync(`${freshPath}${suffix}`, { force: true });
    const log = await openCommandLog(options, dataDir);
    let fresh: ReturnType<typeof openSqliteProjection>;
    try {
      fresh = openSqliteProjection(freshPath);
    } catch (error) {
      await log.close();
      throw error;
    }
    const bar = process.stderr.isTTY
      ? new cliProgress.SingleBar(
          { format: "replay [{bar}] {value}/{total} events | {eps} events/s", stream: process.stderr },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
    const started = Date.now();
    let barStarted = false;
    try {
      const { events } = await replayLog(log, fresh, {
        onProgress: ({ done, total }) => {
          if (!bar) return;
          if (!barStarted) bar.start(total, 0, { eps: 0 });
          barStarted = true;
          bar.update(done, { eps: Math.round(done / Math.max(0.001, (Date.now() - started) / 1000)) });
        },
      });
      bar?.stop();
      fresh.db.pragma("wal_checkpoint(TRUNCATE)");
      fresh.close();
      const target = join(dataDir, PROJECTION_FILE);
      for (const suffix of ["-wal", "-shm"]) rmSync(`${target}${suffix}`, { force: true });
      renameSync(freshPath, target);
      const seconds = (Date.now() - started) / 1000;
      process.stderr.write(
        `replayed ${events} events in ${seconds.toFixed(2)} s (${Math.round(events / Math.max(seconds, 0.001))} events/s) into ${target}\n`,
      );
      exit.code = EXIT.ok;
    } finally {
      fresh.close();
      await log.close();
    }
  });
}
