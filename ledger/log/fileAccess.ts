import { accessSync, chmodSync, closeSync, constants, openSync, statSync } from "node:fs";
import { LedgerError } from "../core/errors.js";

/** The permission failures of the file system: the caller lacks a right, or the volume is read-only. */
const DENIED = new Set(["EACCES", "EPERM", "EROFS"]);

/**
 * Turns a file-system permission failure into `LedgerError("FORBIDDEN")` that names the path,
 * what was attempted and the missing permission (exit code 2, "permission"); other errors pass.
 *
 * @example throw accessError(error, "/var/lib/ipledger", "create the data directory")
 */
export function accessError(error: unknown, path: string, attempted: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === undefined || !DENIED.has(code)) return error;
  const why =
    code === "EROFS"
      ? "the file system is mounted read-only"
      : `permission denied (${code}): this user (uid ${process.getuid?.() ?? "?"}) lacks the right`;
  return new LedgerError(
    "FORBIDDEN",
    `cannot ${attempted} ${path}: ${why}; run as the user that owns it (the agent runs as root) or fix its mode`,
    { cause: error, details: { path, errno: code } },
  );
}

/**
 * Creates `path` as an empty file readable and writable by its owner only (0600) when it is
 * missing, and takes group and other rights away from an existing one, so that SQLite (which
 * gives its -wal and -shm files the mode of the database) never creates a readable ledger.
 *
 * @example ensurePrivateFile("/var/lib/ipledger/ledger.db")
 */
export function ensurePrivateFile(path: string): void {
  try {
    closeSync(openSync(path, constants.O_CREAT | constants.O_RDWR, 0o600));
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  } catch (error) {
    throw accessError(error, path, "open for writing");
  }
}

/**
 * Whether `path` exists, telling "missing" apart from "not allowed to look": an unreadable file
 * or folder is a FORBIDDEN error naming the path, never reported as absent.
 *
 * @example if (!fileExists(path)) throw new LedgerError("NOT_FOUND", `no projection at ${path}`)
 */
export function fileExists(path: string, mode: number = constants.R_OK): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw accessError(error, path, mode & constants.W_OK ? "write" : "read");
  }
}
