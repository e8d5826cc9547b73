import { request as httpRequest } from "node:http";

/** One request to the agent. The plugin sends exactly one per invocation. */
export interface AgentRequest {
  readonly socketPath: string;
  readonly method: "GET" | "POST";
  /** e.g. `/v1/cni/add` */
  readonly path: string;
  /** JSON text, for POST. */
  readonly body?: string;
  /** Deadline for the whole exchange: connect, send, and read the full answer. */
  readonly timeoutMs: number;
  /** Largest answer accepted; {@link MAX_RESPONSE_BYTES} unless a caller reads pages of rows. */
  readonly maxResponseBytes?: number;
}

/** The agent's answer: HTTP status and body text, however odd (the caller judges it). */
export interface AgentResponse {
  readonly status: number;
  readonly body: string;
}

/**
 * The transport from pipe to agent. `runPipe` takes one as `request`, which is the seam the
 * design asks for: tests inject a function, the executable uses {@link requestAgent}. It rejects
 * when no answer arrives (socket missing or refused, permission denied, deadline passed); the
 * rejection carries the Node error `code` when there is one (`ENOENT`, `ECONNREFUSED`, `EACCES`,
 * `ETIMEDOUT`).
 *
 * @example
 *   const answer = await requestAgent({ socketPath: "/run/ipledger/agent.sock", method: "GET", path: "/readyz", timeoutMs: 1000 });
 */
export type AgentTransport = (request: AgentRequest) => Promise<AgentResponse>;

/** The agent's answers are small; a larger one means something else is on the socket. */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** The deadline passed before the agent's answer was complete. */
export class AgentTimeoutError extends Error {
  readonly code = "ETIMEDOUT";
  constructor(timeoutMs: number) {
    super(`no complete answer within ${timeoutMs} ms`);
    this.name = "AgentTimeoutError";
  }
}

/** The default {@link AgentTransport}: HTTP/1.1 over the agent's unix socket, one connection. */
export const requestAgent: AgentTransport = (request) =>
  new Promise<AgentResponse>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outcome();
    };
    const headers: Record<string, string | number> = { accept: "application/json" };
    if (request.body !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = Buffer.byteLength(request.body);
    }
    // agent: false gives a fresh connection that closes after the answer, so the process can exit.
    const outgoing = httpRequest(
      { socketPath: request.socketPath, method: request.method, path: request.path, headers, agent: false },
      (incoming) => {
        const chunks: Buffer[] = [];
        const maxBytes = request.maxResponseBytes ?? MAX_RESPONSE_BYTES;
        let size = 0;
        incoming.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            outgoing.destroy(new Error(`answer larger than ${maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        incoming.on("end", () =>
          settle(() => resolve({ status: incoming.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") })),
        );
        incoming.on("error", (error) => settle(() => reject(error)));
        incoming.on("close", () => settle(() => reject(new Error("connection closed before the answer was complete"))));
      },
    );
    const timer = setTimeout(() => {
      const error = new AgentTimeoutError(request.timeoutMs);
      settle(() => reject(error));
      outgoing.destroy(error);
    }, request.timeoutMs);
    outgoing.on("error", (error) => settle(() => reject(error)));
    outgoing.end(request.body);
  });
