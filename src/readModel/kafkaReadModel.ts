import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EventLog } from "../../ledger/log/eventLog.js";
import { replayLog } from "../../projections/replay.js";
import { createProjectionRunner } from "../../projections/runner.js";
import { openSqliteProjection } from "../../projections/sqlite/sqliteProjection.js";
import { PROJECTION_FILE } from "../dataFiles.js";
import { CLI_READER, openCommandLog, type LogOptions } from "./logOptions.js";
import { openProjectionSnapshot } from "./projectionSnapshot.js";
import { projectionReadModel } from "./projectionReadModel.js";
import type { ReadModel } from "./readModel.js";

/** Replays the log once, in bulk, into the empty projection at `path`. */
async function replayOnce(log: EventLog, path: string): Promise<void> {
  const projection = openSqliteProjection(path);
  try {
    await replayLog(log, projection);
  } finally {
    projection.close();
    await log.close();
  }
}

/** Folds the log into the projection at `path` and keeps tailing it; the result stops the fold. */
async function follow(log: EventLog, path: string): Promise<() => Promise<void>> {
  const projection = openSqliteProjection(path);
  const runner = createProjectionRunner({ log, projection });
  const stop = async (): Promise<void> => {
    await runner.stop();
    await log.close();
    projection.close();
  };
  try {
    await runner.start();
    await runner.waitForCatchUp(10 * 60_000);
    return stop;
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Folds a Kafka log into a throw-away projection in a temporary directory and answers from it;
 * `close()` removes it. Without `follow` the log is replayed once and the answers come from one
 * frozen snapshot; with `follow` the fold keeps tailing the topic (`allowlist --watch` sees new
 * events).
 *
 * @example const model = await kafkaReadModel({ kafka: "127.0.0.1:9092", topic: "ipledger-events", kafkaPartitions: 6 }, { follow: false });
 */
export async function kafkaReadModel(options: LogOptions, mode: { follow: boolean }): Promise<ReadModel> {
  const log = await openCommandLog(options, "", CLI_READER);
  const scratch = mkdtempSync(join(tmpdir(), "ipledger-read-"));
  const path = join(scratch, PROJECTION_FILE);
  const remove = (): void => rmSync(scratch, { recursive: true, force: true });
  try {
    const stopFold = mode.follow ? await follow(log, path) : (await replayOnce(log, path), async () => undefined);
    return projectionReadModel(openProjectionSnapshot(path, { frozen: !mode.follow }), async () => {
      await stopFold();
      remove();
    });
  } catch (error) {
    remove();
    throw error;
  }
}
