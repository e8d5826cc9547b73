/**
 * The conditions the agent finds in a raw CNI call (`POST /v1/cni/exec`) before it reaches the
 * ledger, and the CNI error code each one becomes: the environment, stdin, the CNI version and
 * the keys only the pipe reads. These were the plugin's own checks; they moved into the agent so
 * that a change to them ships with the agent's rollout. Their `msg` is the specific message and
 * `details` the advice, as the plugin printed them (errors from the ledger use the short CNI
 * message instead, see cniErrors.ts).
 *
 * Condition names spell the ledger's `ErrorCode` (ledger/core/errors.ts) where one fits, so logs
 * and docs share one vocabulary; `STDIN_UNREADABLE` is the pipe's own.
 */
export const EXEC_ERRORS = {
  /** CNI_COMMAND missing or not one of ADD, DEL, CHECK, GC, STATUS, VERSION. */
  UNKNOWN_VERB: 4,
  /** A required CNI_* variable is missing, or an IPLEDGER_* variable has an invalid value. */
  MISSING_ENV: 4,
  /** Reading stdin failed. */
  STDIN_UNREADABLE: 5,
  /** stdin is not JSON, or not a JSON object. */
  MALFORMED_JSON: 6,
  /** stdin is larger than a CNI call may carry (1 MiB). */
  REQUEST_TOO_LARGE: 7,
  /** A key the plugin itself reads (`ipam.socket`, `ipam.agent_timeout_seconds`) is invalid. */
  INVALID_CONFIG: 7,
  /** `cniVersion` is unsupported, or too old for the verb (CHECK < 0.4.0, GC/STATUS < 1.1.0). */
  UNSUPPORTED_VERSION: 1,
  /** The agent is not reached; only the pipes print this one, the table keeps the code in one place. */
  AGENT_UNREACHABLE: 11,
  /** A failure inside the agent that is not a ledger error. */
  INTERNAL: 999,
} as const satisfies Record<string, number>;

export type ExecCondition = keyof typeof EXEC_ERRORS;

/**
 * A failure of a raw CNI call, reported as a CNI error. `message` becomes the error's `msg` and names the
 * variable, key or path at fault; `details` adds what to do or what was seen.
 *
 * @example
 *   throw new ExecError("MISSING_ENV", "required environment variables missing: CNI_IFNAME");
 */
export class ExecError extends Error {
  readonly condition: ExecCondition;
  readonly details: string;

  constructor(condition: ExecCondition, message: string, details = "") {
    super(message);
    this.name = "ExecError";
    this.condition = condition;
    this.details = details;
  }

  get cniCode(): number {
    return EXEC_ERRORS[this.condition];
  }
}

/** The error object CNI expects on stdout: `{cniVersion, code, msg, details}`. */
export interface CniErrorBody {
  readonly cniVersion: string;
  readonly code: number;
  readonly msg: string;
  readonly details: string;
}

/** Turns an exec failure into the CNI error body printed on stdout. */
export function toCniError(cniVersion: string, error: ExecError): CniErrorBody {
  return { cniVersion, code: error.cniCode, msg: error.message, details: error.details };
}
