import type { ErrorCode } from "../../ledger/core/index.js";

/**
 * The CNI error code for each ledger error code (CNI spec §Error codes: 1–11 are the spec's,
 * 100 and above are ipledger's own, 999 is an internal error). The README's error table lists
 * the same; a unit test keeps the three in step.
 */
export const CNI_CODES: Readonly<Record<ErrorCode, number>> = {
  UNSUPPORTED_VERSION: 1,
  MISSING_ENV: 4,
  UNKNOWN_VERB: 4,
  MALFORMED_JSON: 6,
  INVALID_CONFIG: 7,
  INVALID_REQUEST: 7,
  REQUEST_TOO_LARGE: 7,
  CONTENTION: 11,
  LOG_UNAVAILABLE: 11,
  AGENT_UNREACHABLE: 11,
  NOT_READY: 11,
  POOL_EXHAUSTED: 100,
  ADDRESS_IN_USE: 101,
  ADDRESS_OUTSIDE_RANGE: 102,
  ADDRESS_EXCLUDED: 103,
  UNKNOWN_POOL: 104,
  CHECK_FAILED: 105,
  INTEGRITY_VIOLATION: 106,
  NOT_FOUND: 107,
  UNAUTHORIZED: 108,
  FORBIDDEN: 109,
  INTERNAL: 999,
};

/**
 * The CNI code of each ledger error code when the verb is STATUS. The CNI spec (1.1.0, STATUS)
 * has the plugin answer 50 "plugin not available" when it cannot serve ADDs right now; every
 * other failure keeps its code from `CNI_CODES`. A table like the others, so the README's
 * "(STATUS: 50)" notes are checked by the same unit test.
 */
export const CNI_STATUS_CODES: Readonly<Record<ErrorCode, number>> = {
  ...CNI_CODES,
  NOT_READY: 50,
  POOL_EXHAUSTED: 50,
  LOG_UNAVAILABLE: 50,
};

/** The CNI code a failure of `verb` (any case: `status`, `STATUS`) prints for a ledger error code. */
export function cniCodeOf(verb: string, code: ErrorCode): number {
  return (verb.toUpperCase() === "STATUS" ? CNI_STATUS_CODES : CNI_CODES)[code];
}

/** Short CNI `msg` per code; `details` carries the full, actionable message. */
export const CNI_MESSAGES: Readonly<Record<number, string>> = {
  1: "Incompatible CNI version",
  4: "Invalid or missing environment variables",
  6: "Failed to decode content",
  7: "Invalid network configuration",
  11: "Try again later",
  50: "Plugin not available",
  100: "Pool exhausted",
  101: "Address in use",
  102: "Address outside every range",
  103: "Address excluded",
  104: "Unknown pool",
  105: "CHECK failed",
  106: "Integrity violation",
  107: "Not found",
  108: "Unauthorized",
  109: "Forbidden",
  999: "Internal error",
};
