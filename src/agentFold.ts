import { join } from "node:path";
import type pino from "pino";
import type { EventLog } from "../ledger/log/eventLog.js";
import { createProjectionRunner } from "../projections/runner.js";
import type { AgentConfig } from "./config.js";
import { PROJECTION_FILE, SNAPSHOT_DIR } from "./dataFiles.js";
import { openCheckedProjection } from "./projectionAtStart.js";
import { bulkStartWhenEmpty, sweepBulkLeftovers } from "./projectionBulkStart.js";
import { chooseFoldStart } from "./snapshots/foldStart.js";
import { openSnapshotStore } from "./snapshots/snapshotStore.js";
import { startSnapshotSchedule } from "./snapshots/snapshotSchedule.js";

/** What the agent's fold is opened from; each part opened pushes its closing onto `cleanups`. */
export interface FoldInputs {
  readonly config: AgentConfig;
  readonly log: EventLog;
  readonly dataDir: string;
  readonly logger: pino.Logger;
  readonly cleanups: (() => Promise<void> | void)[];
}

/**
 * The agent's first phase: the projection checked at start-up, loaded in bulk when it is empty
 * and the log is not small (`bulkStartWhenEmpty`), the fold started (from the bulk load's state,
 * else from a snapshot when one is usable) and caught up with the log, and the snapshot schedule. Every service the
 * agent builds next decides on this fold's state.
 *
 * @example const fold = await openAgentFold({ config, log, dataDir, logger, cleanups }); fold.runner.state;
 */
export async function openAgentFold(inputs: FoldInputs) {
  const { config, log, dataDir, logger, cleanups } = inputs;
  const projectionPath = join(dataDir, PROJECTION_FILE);
  sweepBulkLeftovers(projectionPath); // a bulk load killed mid-way; the data-dir lock is held
  const checked = await openCheckedProjection(log, projectionPath, logger);
  let bulk: Awaited<ReturnType<typeof bulkStartWhenEmpty>>;
  try {
    bulk = await bulkStartWhenEmpty(checked, log, {
      minEvents: config.bulkStartMinEvents,
      stallBoundMs: config.stallBoundMs,
      logger,
    });
  } catch (error) {
    if (checked.db.open) checked.close();
    throw error;
  }
  const projection = bulk.projection;
  cleanups.push(() => projection.close());
  let reportFatal: (error: unknown) => void = () => undefined;
  const fatal = new Promise<unknown>((resolve) => (reportFatal = resolve));
  const snapshots = config.snapshotEveryEvents > 0 ? openSnapshotStore(join(dataDir, SNAPSHOT_DIR)) : undefined;
  // After a bulk load the fold's state is already at the loaded end: no snapshot can be newer.
  const fromSnapshot =
    snapshots && !bulk.start
      ? await chooseFoldStart(snapshots, log, projection, (message) => logger.warn(message))
      : undefined;
  if (fromSnapshot)
    logger.info({ snapshot: fromSnapshot.path, events: fromSnapshot.events }, "fold starts from a snapshot");
  const initial = bulk.start ?? fromSnapshot;
  const runner = createProjectionRunner({
    log,
    projection,
    stallBoundMs: config.stallBoundMs,
    onError: (error) =>
      logger.error(
        { err: error },
        "the fold failed; it retries, restarting from the projection's checkpoints when a write failed",
      ),
    onFatal: (error) => {
      logger.fatal({ err: error }, "the fold cannot recover; the agent must be restarted");
      reportFatal(error);
    },
    ...(initial ? { initial } : {}),
  });
  cleanups.push(() => runner.stop());
  await runner.start();
  await runner.waitForCatchUp(10 * 60_000);
  const snapshotting = snapshots
    ? startSnapshotSchedule({
        fold: runner,
        store: snapshots,
        everyEvents: config.snapshotEveryEvents,
        ...(fromSnapshot ? { startedAt: fromSnapshot.events } : {}),
        onWritten: (written) => logger.info(written, "snapshot written"),
        onError: (error) =>
          logger.error({ err: error }, "snapshot failed; the agent keeps serving and tries again later"),
      })
    : undefined;
  cleanups.push(() => snapshotting?.stop({ final: false }));
  return {
    projection,
    runner,
    /** Resolves with the error once the fold gave up: the process should exit non-zero. */
    fatal,
    /** The snapshot the fold started from, when one was usable. */
    startedFrom: fromSnapshot ? { snapshot: fromSnapshot.path, events: fromSnapshot.events } : undefined,
    /** Events loaded in bulk into an empty projection before the fold started, when that path was taken. */
    bulkLoaded: bulk.start?.events,
    /** Stops writing snapshots; `final` writes one last snapshot of the state the agent stops at. */
    stopSnapshots: (options: { final: boolean }) => snapshotting?.stop(options),
  };
}
