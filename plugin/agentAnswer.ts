import type { AgentResponse } from "./agentClient.js";
import { PluginError, type CniErrorBody } from "./errors.js";
import type { AgentTarget } from "./networkConfig.js";
import type { Verb } from "./versions.js";

/** What the plugin prints: a success (maybe with a result) or the CNI error the agent sent. */
export type Outcome =
  | { readonly ok: true; readonly stdout: string }
  | { readonly ok: false; readonly error: CniErrorBody };

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: "no socket exists at that path",
  ECONNREFUSED: "nothing is listening on the socket",
  EACCES: "permission denied (the agent's socket is root-only)",
  EPERM: "permission denied (the agent's socket is root-only)",
  ENOTSOCK: "the path is not a socket",
};

/**
 * Maps a transport failure to CNI code 11 (try again later), naming the socket and what to do.
 * DEL gets the same answer: the runtime retries DEL until it succeeds.
 */
export function agentUnreachable(error: unknown, target: AgentTarget): PluginError {
  const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
  const text = error instanceof Error ? error.message : String(error);
  const reason =
    code === "ETIMEDOUT" ? `no answer within ${target.timeoutMs} ms` : (REASONS[code] ?? `connection failed (${text})`);
  return new PluginError(
    "AGENT_UNREACHABLE",
    `cannot reach the ipledger agent at ${target.socketPath}: ${reason}; ` +
      "start the agent (ipledger agent) or fix ipam.socket",
    code === "" ? text : `${code}: ${text}`,
  );
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function unexpected(answer: AgentResponse, what: string): PluginError {
  const excerpt = answer.body.length > 200 ? `${answer.body.slice(0, 200)}…` : answer.body;
  return new PluginError(
    "INTERNAL",
    `the ipledger agent answered HTTP ${answer.status} with ${what}`,
    `body: ${JSON.stringify(excerpt)}; is something other than the ipledger agent listening on the socket?`,
  );
}

/**
 * Judges the agent's answer. 2xx: ADD prints the result, CHECK prints it unless it is empty,
 * DEL/GC/STATUS print nothing. Otherwise the body must be a CNI error, printed as given.
 * Anything else (not JSON, no numeric `code`) throws INTERNAL (999) with the status and an excerpt.
 */
export function interpretAnswer(verb: Verb, cniVersion: string, answer: AgentResponse): Outcome {
  const parsed = parseJson(answer.body);
  if (!parsed.ok) throw unexpected(answer, "a body that is not JSON");
  const body = parsed.value;
  if (answer.status >= 200 && answer.status < 300) {
    if (!isObject(body)) throw unexpected(answer, "a JSON value that is not an object");
    const printable = verb === "ADD" || (verb === "CHECK" && Object.keys(body).length > 0);
    return { ok: true, stdout: printable ? `${answer.body.trim()}\n` : "" };
  }
  if (!isObject(body) || typeof body["code"] !== "number" || !Number.isInteger(body["code"])) {
    throw unexpected(answer, "a body that is not a CNI error");
  }
  const details = body["details"];
  return {
    ok: false,
    error: {
      cniVersion: typeof body["cniVersion"] === "string" ? body["cniVersion"] : cniVersion,
      code: body["code"],
      msg: typeof body["msg"] === "string" ? body["msg"] : "",
      details: typeof details === "string" ? details : details === undefined ? "" : JSON.stringify(details),
    },
  };
}
