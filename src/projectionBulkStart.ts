import { renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import type pino from "pino";
import { LedgerError, type LoggedEvent } from "../ledger/core/index.js";
import type { EndOffsets, EventLog } from "../ledger/log/eventLog.js";
import { GENESIS_HASH } from "../ledger/log/hashChain.js";
import { foldLog } from "../projections/foldLog.js";
import { replayInto } from "../projections/replay.js";
import type { FoldStart } from "../projections/runner.js";
import { beginBulkLoad } from "../projections/sqlite/bulkLoad.js";
import { openSqliteProjection, type SqliteProjection } from "../projections/sqlite/sqliteProjection.js";
import { fsyncDirectory, fsyncFile } from "./durableFiles.js";
import { PROJECTION_BUSY_TIMEOUT_MS } from "./projectionAtStart.js";

/** The temp file a bulk load builds next to the projection; only a complete one is renamed over it. */
export const BULK_LOAD_SUFFIX = ".loading";

/** What the agent's first fold needs to know about the bulk path. */
export interface BulkStartOptions {
  /** The log must hold at least this many events; below it the live fold is fast enough. 0: never. */
  readonly minEvents: number;
  /** A page read that has not answered after this long fails the start (a wedged log, not a long one). */
  readonly stallBoundMs: number;
  readonly logger: pino.Logger;
}

/**
 * Removes what a bulk load killed mid-way left: its temp file and that file's journals. Safe only
 * while the data directory's lock is held (no other agent can be loading).
 */
export function sweepBulkLeftovers(projectionPath: string): void {
  for (const suffix of ["", "-journal", "-wal", "-shm"])
    rmSync(`${projectionPath}${BULK_LOAD_SUFFIX}${suffix}`, { force: true });
}

/**
 * The agent's first fold when its projection is empty (a new node, or one moved aside as stale or
 * damaged) and the log is not small: the log up to its current end is loaded in bulk
 * (`beginBulkLoad`, no journal, no fsync) into `<projection>.loading`, which is fsynced and only
 * then renamed over the projection, after the old file's -wal/-shm are removed (SQLite would
 * otherwise replay the old WAL onto the new file). A kill at any instant leaves the old empty
 * projection (and a temp file `sweepBulkLeftovers` removes) or the complete new one. Returns the
 * reopened projection and the fold's state at the loaded end, for the runner to tail from;
 * otherwise the projection given, untouched, and no start.
 *
 * @example const { projection, start } = await bulkStartWhenEmpty(checked, log, { minEvents: 10_000, stallBoundMs, logger });
 */
export async function bulkStartWhenEmpty(
  projection: SqliteProjection,
  log: EventLog,
  options: BulkStartOptions,
): Promise<{ projection: SqliteProjection; start?: FoldStart & { events: number } }> {
  if (options.minEvents <= 0 || projection.checkpoints().length > 0) return { projection };
  const ends = await log.endOffsets();
  const total = [...ends.values()].reduce((sum, end) => sum + end, 0);
  if (total < options.minEvents) return { projection };
  const path = projection.path;
  projection.close();
  const started = Date.now();
  options.logger.info({ projection: path, events: total }, "the projection is empty: loading the log into it in bulk");
  const start = await loadIntoTemp(log, path, ends, total, options);
  for (const suffix of ["-wal", "-shm"]) rmSync(`${path}${suffix}`, { force: true });
  renameSync(`${path}${BULK_LOAD_SUFFIX}`, path);
  fsyncDirectory(dirname(path));
  options.logger.info(
    { events: start.events, ms: Date.now() - started },
    "bulk load done; the fold tails the log from there",
  );
  return { projection: openSqliteProjection(path, { busyTimeoutMs: PROJECTION_BUSY_TIMEOUT_MS }), start };
}

async function loadIntoTemp(
  log: EventLog,
  path: string,
  ends: EndOffsets,
  total: number,
  options: BulkStartOptions,
): Promise<FoldStart & { events: number }> {
  const temp = `${path}${BULK_LOAD_SUFFIX}`;
  sweepBulkLeftovers(path);
  const fresh = openSqliteProjection(temp); // created 0600, like every data file
  try {
    const bulk = beginBulkLoad(fresh.db);
    let reportedAt = Date.now();
    const loader = replayInto(bulk, total, ({ done }) => {
      if (Date.now() - reportedAt < 10_000) return;
      reportedAt = Date.now();
      options.logger.info({ done, total }, "bulk load in progress");
    });
    const chain = chainCheck();
    const { state, events } = await foldLog(readingWithin(log, options.stallBoundMs), ends, {
      inspect: chain.inspect,
      folded: loader.folded,
    });
    const checkpoints = loader.checkpoints();
    bulk.finish(checkpoints);
    // The file alone must hold everything once renamed: no WAL of its own to carry along.
    fresh.db.pragma("journal_mode = DELETE");
    fresh.close();
    fsyncFile(temp);
    const heads = new Map(checkpoints.map((checkpoint) => [checkpoint.partition, checkpoint.headHash]));
    return { state, heads, chainBreaks: chain.breaks, events };
  } catch (error) {
    if (fresh.db.open) fresh.close();
    sweepBulkLeftovers(path);
    throw error;
  }
}

/** Where the loaded events' hash chain breaks, as the runner records it (the first 100). */
function chainCheck() {
  const heads = new Map<number, string>();
  const breaks: { partition: number; offset: number }[] = [];
  return {
    breaks,
    inspect(page: readonly LoggedEvent[], partition: number): undefined {
      let expected = heads.get(partition) ?? GENESIS_HASH;
      for (const logged of page) {
        if (logged.event.prev !== expected && breaks.length < 100) breaks.push({ partition, offset: logged.offset });
        expected = logged.event.hash ?? "";
      }
      heads.set(partition, expected);
      return undefined;
    },
  };
}

/** The log's reads, each failed with LOG_UNAVAILABLE when it has not answered within `boundMs`. */
function readingWithin(log: EventLog, boundMs: number): Pick<EventLog, "read"> {
  return {
    async read(partition, fromOffset, limit) {
      let timer: NodeJS.Timeout | undefined;
      const wedged = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new LedgerError(
                "LOG_UNAVAILABLE",
                `the bulk load's read of partition ${partition} at offset ${fromOffset} has not answered in ${Math.round(boundMs / 1000)} s; the agent stops so that a restart reconnects`,
              ),
            ),
          boundMs,
        );
      });
      try {
        return await Promise.race([log.read(partition, fromOffset, limit), wedged]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
