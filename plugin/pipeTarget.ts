import { isSupportedVersion, LATEST_VERSION } from "./cniVersions.js";
import { MAX_STDIN_BYTES, type StdinBytes } from "./stdinReader.js";

/** The process environment as the pipe sees it; injected so tests need no `process.env`. */
export type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_SOCKET_PATH = "/run/ipledger/agent.sock";
export const DEFAULT_TIMEOUT_MS = 5000;
/** Node's timers take at most this many milliseconds; the Go pipe clamps to the same. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** What the pipe reads from a call without judging it: where the agent is, how long to wait, which version to speak. */
export interface PipeTarget {
  readonly socketPath: string;
  readonly timeoutMs: number;
  /** stdin's `cniVersion` when it is a non-empty string ("" otherwise): VERSION echoes it. */
  readonly namedVersion: string;
  /** The version of a code-11 error: stdin's when supported, else the newest. */
  readonly errorVersion: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function configOf(stdin: StdinBytes): Record<string, unknown> {
  if (stdin.error !== undefined || stdin.bytes.length > MAX_STDIN_BYTES) return {};
  try {
    const value: unknown = JSON.parse(stdin.bytes.toString("utf8"));
    return isObject(value) ? value : {};
  } catch {
    return {};
  }
}

/**
 * Finds `ipam.socket` (else IPLEDGER_SOCKET, else the default) and the deadline
 * (IPLEDGER_AGENT_TIMEOUT_MS, else `ipam.agent_timeout_seconds`, else 5 s). An invalid value is
 * passed over, not refused: the agent names it in its answer. plugin/native/main.go reads the
 * same keys the same way.
 */
export function pipeTargetOf(stdin: StdinBytes, env: Env): PipeTarget {
  const config = configOf(stdin);
  const ipam = isObject(config["ipam"]) ? config["ipam"] : {};
  const socket = ipam["socket"];
  const named = typeof config["cniVersion"] === "string" ? config["cniVersion"] : "";
  return {
    socketPath:
      (typeof socket === "string" && socket !== "" ? socket : "") || env["IPLEDGER_SOCKET"] || DEFAULT_SOCKET_PATH,
    timeoutMs: timeoutMsOf(env["IPLEDGER_AGENT_TIMEOUT_MS"], ipam["agent_timeout_seconds"]),
    namedVersion: named,
    errorVersion: isSupportedVersion(named) ? named : LATEST_VERSION,
  };
}

function timeoutMsOf(override: string | undefined, seconds: unknown): number {
  if (override !== undefined && /^[+-]?\d+$/.test(override) && Number(override) > 0)
    return Math.min(Number(override), MAX_TIMEOUT_MS);
  if (typeof seconds === "number" && Number.isFinite(seconds) && seconds > 0)
    return Math.min(Math.ceil(seconds * 1000), MAX_TIMEOUT_MS);
  return DEFAULT_TIMEOUT_MS;
}
