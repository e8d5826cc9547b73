import Database from "better-sqlite3";
import { LedgerError } from "../core/errors.js";

/**
 * Turns a SQLite failure of the event log into `LedgerError("LOG_UNAVAILABLE")` whose message
 * names the file and says what to do; anything else (a `LedgerError`, a bug) passes unchanged.
 *
 * @example
 *   try { append() } catch (error) { throw sqliteLogError("/var/lib/ipledger/ledger.db", 5000, error) }
 */
export function sqliteLogError(path: string, busyTimeoutMs: number, error: unknown): unknown {
  if (!(error instanceof Database.SqliteError)) return error;
  const message = `the event log ${path} failed (${error.code}: ${error.message}); ${adviceFor(error.code, path, busyTimeoutMs)}`;
  return new LedgerError("LOG_UNAVAILABLE", message, { cause: error, details: { path, sqliteCode: error.code } });
}

// Extended result codes (SQLITE_IOERR_WRITE, SQLITE_BUSY_SNAPSHOT, …) share their primary prefix.
function adviceFor(code: string, path: string, busyTimeoutMs: number): string {
  const primary = code.split("_").slice(0, 2).join("_");
  switch (primary) {
    case "SQLITE_BUSY":
    case "SQLITE_LOCKED":
      return (
        `another process held the write lock longer than the busy timeout (${busyTimeoutMs} ms); ` +
        `retry, or find the process that keeps ${path} locked`
      );
    case "SQLITE_FULL":
      return `the disk is full; free space on the volume that holds ${path}`;
    case "SQLITE_READONLY":
    case "SQLITE_PERM":
    case "SQLITE_CANTOPEN":
    case "SQLITE_AUTH":
      return `check that ${path} and its folder exist and are writable by this user`;
    case "SQLITE_CORRUPT":
    case "SQLITE_NOTADB":
      return `the file is damaged or is not an ipledger log; restore ${path} from a backup`;
    case "SQLITE_IOERR":
      return `the disk or filesystem reported an I/O error; check the volume that holds ${path}`;
    case "SQLITE_CONSTRAINT":
      return "the log refused the write (it is append-only); report this as a bug if ipledger did it";
    default:
      return `check the file ${path} and its disk`;
  }
}

/** True for SQLite's "another connection holds the lock" errors, which are worth retrying later. */
export function isSqliteBusy(error: unknown): boolean {
  const code = sqliteCodeOf(error);
  return code !== undefined && /^SQLITE_(BUSY|LOCKED)/.test(code);
}

/** True for errors that no retry can cure: a damaged file or one that is not a database. */
export function isSqliteDamaged(error: unknown): boolean {
  const code = sqliteCodeOf(error);
  return code !== undefined && /^SQLITE_(CORRUPT|NOTADB)/.test(code);
}

/** The SQLite result code of `error`, also when wrapped in a `LedgerError` (its cause or details). */
export function sqliteCodeOf(error: unknown): string | undefined {
  if (error instanceof Database.SqliteError) return error.code;
  const details = (error as { details?: { sqliteCode?: unknown } } | undefined)?.details;
  if (typeof details?.sqliteCode === "string") return details.sqliteCode;
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  return cause instanceof Database.SqliteError ? cause.code : undefined;
}
