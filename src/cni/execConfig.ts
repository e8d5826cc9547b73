import type { Env } from "./execEnv.js";
import { ExecError } from "./execErrors.js";

/** The network configuration from stdin: a JSON object, kept whole for the CNI service. */
export type NetworkConfig = Readonly<Record<string, unknown>>;

/** Where and how long the pipe talks to the agent: keys the pipe reads, checked here so a bad one is named. */
export interface AgentTarget {
  readonly socketPath: string;
  readonly timeoutMs: number;
}

export const DEFAULT_SOCKET_PATH = "/run/ipledger/agent.sock";
export const DEFAULT_AGENT_TIMEOUT_SECONDS = 5;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses stdin; anything but a JSON object is CNI code 6 carrying the parse error. */
export function decodeConfig(text: string): NetworkConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ExecError("MALFORMED_JSON", `cannot decode the network configuration on stdin: ${reason}`);
  }
  if (!isObject(value)) {
    const kind = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
    throw new ExecError("MALFORMED_JSON", `the network configuration on stdin must be a JSON object, got ${kind}`);
  }
  return value;
}

/** `config.runtimeConfig` when it is an object, else `{}` (the agent's contract). */
export function runtimeConfigOf(config: NetworkConfig): Record<string, unknown> {
  const runtimeConfig = config["runtimeConfig"];
  return isObject(runtimeConfig) ? runtimeConfig : {};
}

/**
 * Checks the keys the pipe reads: the agent's socket (`ipam.socket`, else IPLEDGER_SOCKET, else
 * the default) and the deadline (`ipam.agent_timeout_seconds`, default 5 s; IPLEDGER_AGENT_TIMEOUT_MS
 * wins, for tests). The pipe falls back past an invalid value; the agent names it: code 7 for a
 * key, code 4 for a variable, as the plugin did before it became a pipe.
 */
export function agentTargetOf(config: NetworkConfig, env: Env): AgentTarget {
  const ipam = isObject(config["ipam"]) ? config["ipam"] : {};
  return { socketPath: socketPathOf(ipam, env), timeoutMs: timeoutMsOf(ipam, env) };
}

function socketPathOf(ipam: Record<string, unknown>, env: Env): string {
  const configured = ipam["socket"];
  if (configured !== undefined) {
    if (typeof configured !== "string" || configured === "") {
      throw new ExecError("INVALID_CONFIG", `ipam.socket must be a non-empty path, got ${JSON.stringify(configured)}`);
    }
    return configured;
  }
  const fromEnv = env["IPLEDGER_SOCKET"];
  return fromEnv !== undefined && fromEnv !== "" ? fromEnv : DEFAULT_SOCKET_PATH;
}

function timeoutMsOf(ipam: Record<string, unknown>, env: Env): number {
  const override = env["IPLEDGER_AGENT_TIMEOUT_MS"];
  if (override !== undefined && override !== "") {
    const ms = Number(override);
    if (!Number.isInteger(ms) || ms <= 0) {
      throw new ExecError(
        "MISSING_ENV",
        `IPLEDGER_AGENT_TIMEOUT_MS must be a positive integer, got ${JSON.stringify(override)}`,
      );
    }
    return ms;
  }
  const seconds = ipam["agent_timeout_seconds"] ?? DEFAULT_AGENT_TIMEOUT_SECONDS;
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds <= 0) {
    throw new ExecError(
      "INVALID_CONFIG",
      `ipam.agent_timeout_seconds must be a positive number, got ${JSON.stringify(seconds)}`,
    );
  }
  return Math.ceil(seconds * 1000);
}
