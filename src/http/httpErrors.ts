import type { ErrorCode } from "../../ledger/core/index.js";
import { isLedgerError, LedgerError } from "../../ledger/core/index.js";
import { cniCodeOf, CNI_MESSAGES } from "../cni/cniErrors.js";

/** The HTTP status for each ledger error code. The README's error table lists the same. */
export const HTTP_STATUSES: Readonly<Record<ErrorCode, number>> = {
  UNSUPPORTED_VERSION: 400,
  MISSING_ENV: 400,
  UNKNOWN_VERB: 404,
  MALFORMED_JSON: 400,
  INVALID_CONFIG: 400,
  INVALID_REQUEST: 400,
  REQUEST_TOO_LARGE: 413,
  CONTENTION: 503,
  LOG_UNAVAILABLE: 503,
  AGENT_UNREACHABLE: 503,
  NOT_READY: 503,
  POOL_EXHAUSTED: 409,
  ADDRESS_IN_USE: 409,
  ADDRESS_OUTSIDE_RANGE: 422,
  ADDRESS_EXCLUDED: 422,
  UNKNOWN_POOL: 404,
  CHECK_FAILED: 409,
  INTEGRITY_VIOLATION: 500,
  NOT_FOUND: 404,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  INTERNAL: 500,
};

export function asLedgerError(error: unknown): LedgerError {
  if (isLedgerError(error)) return error;
  return new LedgerError(
    "INTERNAL",
    `internal error: ${(error as Error)?.message ?? String(error)}; see the agent's log`,
    { cause: error },
  );
}

/** A CNI error body: `{cniVersion, code, msg, details}`, what the plugin prints on stdout for a failed `verb`. */
export function cniErrorBody(error: LedgerError, cniVersion: string, verb: string): Record<string, unknown> {
  const code = cniCodeOf(verb, error.code);
  // The key at fault is always named, even when the message itself could not say it.
  const details =
    error.key && !error.message.includes(error.key) ? `${error.message} (in ${error.key})` : error.message;
  return { cniVersion, code, msg: CNI_MESSAGES[code] ?? error.code, details };
}

/** A problem body for the query API. */
export function problemBody(error: LedgerError): Record<string, unknown> {
  return { error: { code: error.code, message: error.message, ...(error.key ? { key: error.key } : {}) } };
}
