import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { LedgerError } from "../ledger/core/index.js";
import { accessError, ensurePrivateFile } from "../ledger/log/fileAccess.js";
import { isSqliteBusy } from "../ledger/log/sqliteLogErrors.js";

export const LOCK_FILE = "agent.lock";
export const PID_FILE = "agent.pid";

/** The data directory's lock, held until `release()` or until the process dies. */
export interface DataDirLock {
  release(): void;
}

/**
 * Takes the data directory for this process alone, or refuses naming the process that holds it.
 *
 * The lock is SQLite's own file lock (POSIX `fcntl`) on a dedicated lock database, held by an
 * open `BEGIN EXCLUSIVE` transaction in `locking_mode=EXCLUSIVE`: the kernel drops it when the
 * process exits, even on kill -9, so a stale lock cannot outlive its agent, and SQLite also
 * keeps two connections of one process apart. No lock-file-exists check, which a crash would
 * leave behind. The holder's pid goes in `agent.pid` beside it, for the refusal message only.
 *
 * @example
 *   const lock = lockDataDir("/var/lib/ipledger");
 *   process.on("exit", () => lock.release());
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const path = join(dataDir, LOCK_FILE);
  const pidPath = join(dataDir, PID_FILE);
  ensurePrivateFile(path);
  const db = new Database(path, { timeout: 0 });
  try {
    db.pragma("locking_mode = EXCLUSIVE");
    db.exec("BEGIN EXCLUSIVE");
  } catch (error) {
    db.close();
    if (!isSqliteBusy(error)) throw error;
    const holder = readPid(pidPath);
    const who = holder ? `process ${holder}` : "another process";
    throw new LedgerError(
      "LOG_UNAVAILABLE",
      `the data directory ${dataDir} is in use by ${who} (it holds ${path}); run one agent per data directory, or stop that one first`,
      { details: { path, ...(holder ? { pid: holder } : {}) } },
    );
  }
  try {
    writeFileSync(pidPath, `${process.pid}\n`, { mode: 0o600 });
  } catch (error) {
    db.close();
    throw accessError(error, pidPath, "write");
  }
  return {
    release(): void {
      if (!db.open) return;
      rmSync(pidPath, { force: true });
      db.close();
    },
  };
}

function readPid(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
