import { Readable } from "node:stream";
import type { AgentRequest, AgentResponse, AgentTransport } from "../../../plugin/agentClient.js";
import { runPlugin } from "../../../plugin/main.js";

/** Builders and a runner for `runPlugin` tests. Outputs are captured as strings. */

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
  /** Every request the plugin handed to the injected transport. */
  readonly requests: readonly AgentRequest[];
}

/** A network configuration as bridge would pass it to its IPAM plugin; `overrides` replace keys. */
export function networkConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    cniVersion: "1.0.0",
    name: "unit-net",
    type: "bridge",
    ipam: { type: "ipledger", range: "10.99.0.0/24", exclude: ["10.99.0.1/32"] },
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

/** A transport that records each request and answers with `respond` (default: 200 `{}`). */
export function fakeAgent(respond: (request: AgentRequest) => AgentResponse | Promise<AgentResponse> = () => answer(200, {})): {
  transport: AgentTransport;
  requests: AgentRequest[];
} {
  const requests: AgentRequest[] = [];
  const transport: AgentTransport = async (request) => {
    requests.push(request);
    return respond(request);
  };
  return { transport, requests };
}

/** A transport that fails the way `net` does, with an error `code`. */
export function failingAgent(code: string, message = `connect ${code}`): AgentTransport {
  return async () => {
    throw Object.assign(new Error(message), { code });
  };
}

export async function run(options: RunOptions = {}): Promise<RunResult> {
  const recorder = fakeAgent();
  const request = options.request ?? recorder.transport;
  const requests: AgentRequest[] = [];
  const recording: AgentTransport = (req) => {
    requests.push(req);
    return request(req);
  };
  const input = options.stdin ?? JSON.stringify(networkConfig());
  let stdout = "";
  let stderr = "";
  const code = await runPlugin({
    env: options.env ?? cniEnv(),
    stdin: typeof input === "string" ? Readable.from([Buffer.from(input)]) : input,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    request: recording,
  });
  return { code, stdout, stderr, requests };
}

/** Parses the single JSON document the plugin printed. */
export function printed(result: RunResult): Record<string, unknown> {
  return JSON.parse(result.stdout) as Record<string, unknown>;
}
