import { Readable } from "node:stream";
import type { AgentRequest, AgentResponse, AgentTransport } from "../../../plugin/agentClient.js";
import { runPipe } from "../../../plugin/main.js";

/** Builders and a runner for `runPipe` tests: the agent is the injected transport. Outputs are captured as strings. */

export interface RunOptions {
  readonly env?: Record<string, string | undefined>;
  /** Text for stdin, or a ready stream. */
  readonly stdin?: string | AsyncIterable<Uint8Array | string>;
  readonly request?: AgentTransport;
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Every request the pipe handed to the transport. */
  readonly requests: readonly AgentRequest[];
}

/** A network configuration as bridge would pass it to its IPAM plugin; `overrides` replace keys. */
export function networkConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    cniVersion: "1.0.0",
    name: "unit-net",
    type: "bridge",
    ipam: { type: "ipledger", range: "10.99.0.0/24" },
    ...overrides,
  };
}

/** The environment a runtime sets for ADD; `overrides` replace (or, with undefined, remove) variables. */
export function cniEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    CNI_COMMAND: "ADD",
    CNI_CONTAINERID: "c0ffee",
    CNI_IFNAME: "net1",
    CNI_NETNS: "/run/netns/unit",
    CNI_ARGS: "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=p1",
    CNI_PATH: "/opt/cni/bin",
    ...overrides,
  };
}

/** An agent answer for the injected transport. */
export function answer(status: number, body: unknown): AgentResponse {
  return { status, body: typeof body === "string" ? body : JSON.stringify(body) };
}

/** A transport that fails the way `net` does, with an error `code` (and `syscall`, for a connect). */
export function failingAgent(code: string, syscall = "connect"): AgentTransport {
  return async (request) => {
    throw Object.assign(new Error(`${syscall} ${code} ${request.socketPath}`), { code, syscall });
  };
}

export async function run(options: RunOptions = {}): Promise<RunResult> {
  const requests: AgentRequest[] = [];
  const respond = options.request ?? (async () => answer(200, { exitCode: 0, stdout: "", stderr: "" }));
  const input = options.stdin ?? JSON.stringify(networkConfig());
  let stdout = "";
  let stderr = "";
  const code = await runPipe({
    env: options.env ?? cniEnv(),
    stdin: typeof input === "string" ? Readable.from([Buffer.from(input)]) : input,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    request: (request) => {
      requests.push(request);
      return respond(request);
    },
  });
  return { code, stdout, stderr, requests };
}

/** Parses the single JSON document the pipe printed. */
export function printed(result: RunResult): Record<string, unknown> {
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

/** The body of the one request the pipe sent. */
export function sent(result: RunResult): {
  command: string;
  env: Record<string, string>;
  stdin: string;
  stdinError?: string;
} {
  return JSON.parse(result.requests[0]?.body ?? "null") as {
    command: string;
    env: Record<string, string>;
    stdin: string;
    stdinError?: string;
  };
}
