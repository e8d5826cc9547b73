import type { PipeTarget } from "./pipeTarget.js";

/** Why the agent was not reached: `reason` goes into the message, `details` as they are. */
export interface Failure {
  readonly reason: string;
  readonly details: string;
}

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: "no socket exists at that path",
  ECONNREFUSED: "nothing is listening on the socket",
  EACCES: "permission denied (the agent's socket is root-only)",
  EPERM: "permission denied (the agent's socket is root-only)",
  ENOTSOCK: "the path is not a socket",
};

/** The deadline passed: before the connect completed or before the whole answer arrived. */
export function late(timeoutMs: number): Failure {
  return {
    reason: `no answer within ${timeoutMs} ms`,
    details: `ETIMEDOUT: no complete answer within ${timeoutMs} ms`,
  };
}

export const CLOSED: Failure = { reason: "the connection closed before the answer was complete", details: "" };

export function notAnAnswer(status: number): Failure {
  return {
    reason: `it answered HTTP ${status} with something that is not a CNI answer (an older agent? roll out the agent DaemonSet)`,
    details: "",
  };
}

/**
 * Classifies a transport error the way plugin/native/main.go does, so both pipes print the same
 * bytes: a failed connect names the error code and the socket, anything after it is a cut answer.
 */
export function failureOf(error: unknown, target: PipeTarget): Failure {
  const { code, syscall } = (typeof error === "object" && error !== null ? error : {}) as {
    code?: unknown;
    syscall?: unknown;
  };
  if (code === "ETIMEDOUT" || code === "EAGAIN") return late(target.timeoutMs);
  if (syscall !== "connect" || typeof code !== "string") return CLOSED;
  const reason = REASONS[code] ?? `connection failed (connect ${code} ${target.socketPath})`;
  return { reason, details: `${code}: connect ${code} ${target.socketPath}` };
}

/**
 * The CNI error for an agent that was not reached: code 11 (try again later), naming the socket
 * and what to do. DEL gets the same answer: the runtime retries DEL until it succeeds.
 */
export function unreachableError(
  target: PipeTarget,
  failure: Failure,
): { cniVersion: string; code: number; msg: string; details: string } {
  const msg = `cannot reach the ipledger agent at ${target.socketPath}: ${failure.reason}; start the agent (ipledger agent) or fix ipam.socket`;
  return { cniVersion: target.errorVersion, code: 11, msg, details: failure.details };
}
