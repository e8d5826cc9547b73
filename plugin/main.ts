import { requestAgent, type AgentResponse, type AgentTransport } from "./agentClient.js";
import { LATEST_VERSION, SUPPORTED_VERSIONS } from "./cniVersions.js";
import { pipeTargetOf, type Env, type PipeTarget } from "./pipeTarget.js";
import { readStdin } from "./stdinReader.js";
import { failureOf, notAnAnswer, unreachableError, type Failure } from "./unreachable.js";

/** Where the pipe writes; `process.stdout` and `process.stderr` fit, and so does a test buffer. */
export interface TextSink {
  write(text: string): unknown;
}

/**
 * Everything the pipe touches, injected so that it runs without `process`: the environment,
 * stdin, the two output streams, and the transport to the agent (default: HTTP over the unix
 * socket, {@link requestAgent}).
 */
export interface PipeIo {
  readonly env: Env;
  readonly stdin: AsyncIterable<Uint8Array | string>;
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly request?: AgentTransport;
}

interface ExecAnswer {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs one CNI call as a pipe and returns the exit code: the CNI_* and IPLEDGER_* environment and
 * the raw stdin go to the agent (`POST /v1/cni/exec`), whose `{exitCode, stdout, stderr}` are
 * printed as they are. Only VERSION is answered here, and code 11 when the agent is not reached.
 * plugin/native/main.go is the same pipe in Go; one conformance suite holds both to the same bytes.
 *
 * @example
 *   const code = await runPipe({ env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
 */
export async function runPipe(io: PipeIo): Promise<number> {
  const stdin = await readStdin(io.stdin);
  const target = pipeTargetOf(stdin, io.env);
  if (io.env["CNI_COMMAND"] === "VERSION") {
    io.stdout.write(
      `${JSON.stringify({ cniVersion: target.namedVersion || LATEST_VERSION, supportedVersions: SUPPORTED_VERSIONS })}\n`,
    );
    return 0;
  }
  const env = Object.fromEntries(
    Object.entries(io.env).filter(([name, value]) => /^(CNI|IPLEDGER)_/.test(name) && value !== undefined),
  );
  const body = JSON.stringify({
    command: io.env["CNI_COMMAND"] ?? "",
    env,
    stdin: stdin.bytes.toString("base64"),
    ...(stdin.error !== undefined ? { stdinError: stdin.error } : {}),
  });
  const request = io.request ?? requestAgent;
  let outcome: ExecAnswer | Failure;
  try {
    const answer = await request({
      socketPath: target.socketPath,
      method: "POST",
      path: "/v1/cni/exec",
      body,
      timeoutMs: target.timeoutMs,
    });
    outcome = execAnswerOf(answer) ?? notAnAnswer(answer.status);
  } catch (error) {
    outcome = failureOf(error, target);
  }
  if ("exitCode" in outcome) {
    io.stdout.write(outcome.stdout);
    io.stderr.write(outcome.stderr);
    return outcome.exitCode;
  }
  return reportUnreachable(io, target, outcome);
}

/** The agent's answer when it is `{exitCode: 0..255, stdout: string, stderr?: string}` with HTTP 200. */
function execAnswerOf(answer: AgentResponse): ExecAnswer | undefined {
  if (answer.status !== 200) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    return undefined;
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  const { exitCode, stdout, stderr } = body as Record<string, unknown>;
  if (typeof exitCode !== "number" || !Number.isInteger(exitCode) || exitCode < 0 || exitCode > 255) return undefined;
  if (typeof stdout !== "string" || (stderr !== undefined && stderr !== null && typeof stderr !== "string"))
    return undefined;
  return { exitCode, stdout, stderr: typeof stderr === "string" ? stderr : "" };
}

/** Code 11 on stdout, and one log line on stderr. */
function reportUnreachable(io: PipeIo, target: PipeTarget, failure: Failure): number {
  const error = unreachableError(target, failure);
  io.stdout.write(`${JSON.stringify(error)}\n`);
  const line = {
    time: new Date().toISOString(),
    level: "error",
    component: "ipledger-cni",
    verb: io.env["CNI_COMMAND"] ?? "",
    containerId: io.env["CNI_CONTAINERID"] ?? "",
    ifName: io.env["CNI_IFNAME"] ?? "",
    code: 11,
    msg: error.msg,
  };
  io.stderr.write(`${JSON.stringify(line)}\n`);
  return 1;
}
