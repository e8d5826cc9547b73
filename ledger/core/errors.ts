/**
 * Every failure ipledger can report, as a stable string code. Edges map codes to CNI codes
 * (`src/cni/cniErrors.ts`) and HTTP statuses (`src/http/httpErrors.ts`); the core never knows
 * about either.
 */
export const ERROR_CODES = [
  "INVALID_CONFIG",
  "INVALID_REQUEST",
  "MALFORMED_JSON",
  "MISSING_ENV",
  "UNSUPPORTED_VERSION",
  "UNKNOWN_VERB",
  "REQUEST_TOO_LARGE",
  "POOL_EXHAUSTED",
  "ADDRESS_IN_USE",
  "ADDRESS_OUTSIDE_RANGE",
  "ADDRESS_EXCLUDED",
  "UNKNOWN_POOL",
  "CONTENTION",
  "LOG_UNAVAILABLE",
  "AGENT_UNREACHABLE",
  "NOT_READY",
  "CHECK_FAILED",
  "NOT_FOUND",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "INTEGRITY_VIOLATION",
  "INTERNAL",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * The one error type of ipledger. `message` says what happened and what to do about it;
 * `key` names the configuration key or request field at fault when there is one.
 *
 * @example
 *   throw new LedgerError("INVALID_CONFIG", "range_end 10.0.0.300 is not an IPv4 address", { key: "ipam.range_end" });
 */
export class LedgerError extends Error {
  readonly code: ErrorCode;
  readonly key: string | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { key?: string; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "LedgerError";
    this.code = code;
    this.key = options.key;
    this.details = options.details;
  }
}

export function isLedgerError(value: unknown): value is LedgerError {
  return value instanceof LedgerError;
}
