import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { EventLog } from "../ledger/log/eventLog.js";
import { openSqliteEventLog } from "../ledger/log/sqliteEventLog.js";
import { createProjectionRunner, type ProjectionRunner } from "../projections/runner.js";
import { LOG_FILE } from "./dataFiles.js";

/** The log a Kubernetes command reads and writes, folded in memory (no SQLite projection of its own). */
export interface LedgerView {
  readonly log: EventLog;
  readonly runner: ProjectionRunner;
  close(): Promise<void>;
}

/**
 * Opens (creating it and its folder when missing, as the agent does) the embedded log in
 * `dataDir` and folds it until caught up.
 *
 * @example
 *   const view = await openLedgerView({ dataDir: "/var/lib/ipledger" });
 *   await view.close();
 */
export async function openLedgerView(options: {
  dataDir: string;
  onError?: (error: unknown) => void;
  catchUpTimeoutMs?: number;
}): Promise<LedgerView> {
  const dataDir = resolve(options.dataDir);
  if (!existsSync(dataDir)) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return foldLog(openSqliteEventLog({ path: join(dataDir, LOG_FILE) }), options);
}

/** Folds an already open log until caught up; `close()` stops the fold and closes the log. */
export async function foldLog(
  log: EventLog,
  options: { onError?: (error: unknown) => void; catchUpTimeoutMs?: number } = {},
): Promise<LedgerView> {
  const runner = createProjectionRunner({ log, ...(options.onError ? { onError: options.onError } : {}) });
  try {
    await runner.start();
    await runner.waitForCatchUp(options.catchUpTimeoutMs ?? 10 * 60_000);
  } catch (error) {
    await runner.stop();
    await log.close();
    throw error;
  }
  return {
    log,
    runner,
    async close() {
      await runner.stop();
      await log.close();
    },
  };
}
