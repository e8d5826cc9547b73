import { isLedgerError, type ErrorCode } from "../ledger/core/index.js";

/**
 * Exit codes of every `ipledger` command:
 * 0 success · 1 the check failed or the ledger refused the action (verify found a problem, an
 * address is held, a pool is exhausted) · 2 bad input, usage or permission · 3 a service is
 * unavailable (agent socket, log) · 4 not found · 70 internal error.
 */
export const EXIT = { ok: 0, checkFailed: 1, usage: 2, unavailable: 3, notFound: 4, internal: 70 } as const;

/**
 * The exit code of every error code: a complete table, so a new code cannot fall through to 70
 * unnoticed (the compiler asks for its row, and the README's error table shows the same column).
 */
export const EXIT_CODES: Readonly<Record<ErrorCode, number>> = {
  INVALID_CONFIG: EXIT.usage,
  INVALID_REQUEST: EXIT.usage,
  MALFORMED_JSON: EXIT.usage,
  MISSING_ENV: EXIT.usage,
  UNSUPPORTED_VERSION: EXIT.usage,
  UNKNOWN_VERB: EXIT.usage,
  REQUEST_TOO_LARGE: EXIT.usage,
  POOL_EXHAUSTED: EXIT.checkFailed,
  ADDRESS_IN_USE: EXIT.checkFailed,
  ADDRESS_OUTSIDE_RANGE: EXIT.usage,
  ADDRESS_EXCLUDED: EXIT.usage,
  UNKNOWN_POOL: EXIT.notFound,
  CONTENTION: EXIT.unavailable,
  LOG_UNAVAILABLE: EXIT.unavailable,
  AGENT_UNREACHABLE: EXIT.unavailable,
  NOT_READY: EXIT.unavailable,
  CHECK_FAILED: EXIT.checkFailed,
  NOT_FOUND: EXIT.notFound,
  UNAUTHORIZED: EXIT.usage,
  FORBIDDEN: EXIT.usage,
  INTEGRITY_VIOLATION: EXIT.checkFailed,
  INTERNAL: EXIT.internal,
};

/** An error a command raises to end with a given exit code and message. */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (isLedgerError(error)) return EXIT_CODES[error.code];
  return EXIT.internal;
}
