/**
 * The conditions the plugin detects itself, and the CNI error code each one becomes.
 *
 * Everything about the IPAM configuration and the pools (invalid `ipam.*` keys, exhausted ranges,
 * contention) is decided by the agent, which answers with a finished CNI error body that the
 * plugin prints unchanged. This table covers only what the plugin sees before, or instead of,
 * an answer: the environment, stdin, the CNI version, and the transport to the agent.
 *
 * Condition names spell the ledger's `ErrorCode` (ledger/core/errors.ts) where one fits, so logs
 * and docs share one vocabulary; `STDIN_UNREADABLE` is the plugin's own. The plugin does not
 * import that file at run time: it must load nothing but `node:*` and its own modules.
 */
export const PLUGIN_ERRORS = {
  /** CNI_COMMAND missing or not one of ADD, DEL, CHECK, GC, STATUS, VERSION. */
  UNKNOWN_VERB: 4,
  /** A required CNI_* variable is missing, or an IPLEDGER_* variable has an invalid value. */
  MISSING_ENV: 4,
  /** Reading stdin failed. */
  STDIN_UNREADABLE: 5,
  /** stdin is not JSON, or not a JSON object. */
  MALFORMED_JSON: 6,
  /** stdin is larger than the plugin accepts (1 MiB). */
  REQUEST_TOO_LARGE: 7,
  /** A key the plugin itself reads (`ipam.socket`, `ipam.agent_timeout_seconds`) is invalid. */
  INVALID_CONFIG: 7,
  /** `cniVersion` is unsupported, or too old for the verb (CHECK < 0.4.0, GC/STATUS < 1.1.0). */
  UNSUPPORTED_VERSION: 1,
  /** The agent's socket is missing, refuses, is not permitted, or the agent did not answer in time. */
  AGENT_UNREACHABLE: 11,
  /** The agent answered with something that is neither a CNI result nor a CNI error. */
  INTERNAL: 999,
} as const satisfies Record<string, number>;

export type PluginCondition = keyof typeof PLUGIN_ERRORS;

/**
 * A failure the plugin reports as a CNI error. `message` becomes the error's `msg` and names the
 * variable, key or path at fault; `details` adds what to do or what was seen.
 *
 * @example
 *   throw new PluginError("MISSING_ENV", "required environment variables missing: CNI_IFNAME");
 */
export class PluginError extends Error {
  readonly condition: PluginCondition;
  readonly details: string;

  constructor(condition: PluginCondition, message: string, details = "") {
    super(message);
    this.name = "PluginError";
    this.condition = condition;
    this.details = details;
  }

  get cniCode(): number {
    return PLUGIN_ERRORS[this.condition];
  }
}

/** The error object CNI expects on stdout: `{cniVersion, code, msg, details}`. */
export interface CniErrorBody {
  readonly cniVersion: string;
  readonly code: number;
  readonly msg: string;
  readonly details: string;
}

/** Turns a plugin-side failure into the CNI error body printed on stdout. */
export function toCniError(cniVersion: string, error: PluginError): CniErrorBody {
  return { cniVersion, code: error.cniCode, msg: error.message, details: error.details };
}
