import { requestAgent, type AgentTransport } from "./agentClient.js";
import { agentUnreachable, interpretAnswer, type Outcome } from "./agentAnswer.js";
import { parseVerb, readAttachment, type Attachment, type Env } from "./cniEnv.js";
import { PluginError, toCniError, type CniErrorBody } from "./errors.js";
import { agentTargetOf, decodeConfig, runtimeConfigOf, type NetworkConfig } from "./networkConfig.js";
import { readStdin, type StdinContent } from "./stdinReader.js";
import { isSupportedVersion, LATEST_VERSION, requireVersionFor, SUPPORTED_VERSIONS, type Verb } from "./versions.js";

/** Where the plugin writes; `process.stdout` and `process.stderr` fit, and so does a test buffer. */
export interface TextSink {
  write(text: string): unknown;
}

/**
 * Everything the plugin touches, injected so that it runs without `process`: the CNI environment,
 * stdin, the two output streams, and the transport to the agent (default: HTTP over the unix
 * socket, {@link requestAgent}).
 */
export interface PluginIo {
  readonly env: Env;
  readonly stdin: AsyncIterable<Uint8Array | string>;
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly request?: AgentTransport;
}

/**
 * Runs one CNI invocation and returns the exit code: env + stdin in, one request to the agent,
 * the result or a CNI error `{cniVersion, code, msg, details}` on stdout. Logs go to stderr, one
 * JSON line per event. It never throws.
 *
 * @example
 *   const code = await runPlugin({ env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
 */
export async function runPlugin(io: PluginIo): Promise<number> {
  const content = await readStdin(io.stdin);
  const decoded = content.ok ? attempt(() => decodeConfig(content.text)) : content;
  // Errors speak the config's version when it is one we know, else the newest.
  const errorVersion = decoded.ok && isSupportedVersion(decoded.value["cniVersion"]) ? decoded.value["cniVersion"] : LATEST_VERSION;
  let verb: Verb | undefined;
  let attachment: Attachment | undefined;
  try {
    // Phase 1: what the environment asks for. VERSION is answered here, from stdin if usable.
    verb = parseVerb(io.env);
    if (verb === "VERSION") {
      io.stdout.write(`${JSON.stringify(versionAnswer(content))}\n`);
      return 0;
    }
    attachment = readAttachment(verb, io.env);
    // Phase 2: the configuration, checked only as far as the plugin itself needs it.
    if (!decoded.ok) throw decoded.error;
    const config = decoded.value;
    const cniVersion = requireVersionFor(verb, config["cniVersion"]);
    // Phase 3: one request to the agent, whose answer is printed as it is.
    const outcome = await forward(verb, cniVersion, config, attachment, io);
    if (outcome.ok) {
      io.stdout.write(outcome.stdout);
      return 0;
    }
    report(io, outcome.error, { verb, attachment });
    return 1;
  } catch (error) {
    const failure = error instanceof PluginError ? error : internalError(error);
    report(io, toCniError(errorVersion, failure), { verb, attachment, quotesInput: failure.condition === "MALFORMED_JSON" });
    return 1;
  }
}

async function forward(verb: Verb, cniVersion: string, config: NetworkConfig, attachment: Attachment, io: PluginIo): Promise<Outcome> {
  const target = agentTargetOf(config, io.env);
  const body = JSON.stringify({
    cniVersion,
    config,
    containerId: attachment.containerId,
    ifName: attachment.ifName,
    netns: attachment.netns,
    args: attachment.args,
    runtimeConfig: runtimeConfigOf(config),
  });
  const request = io.request ?? requestAgent;
  const path = `/v1/cni/${verb.toLowerCase()}`;
  let answer;
  try {
    answer = await request({ socketPath: target.socketPath, method: "POST", path, body, timeoutMs: target.timeoutMs });
  } catch (error) {
    throw agentUnreachable(error, target);
  }
  return interpretAnswer(verb, cniVersion, answer);
}

/** VERSION: answered locally with the version stdin names (if any) and the versions supported. */
function versionAnswer(content: StdinContent): { cniVersion: string; supportedVersions: readonly string[] } {
  let cniVersion: string = LATEST_VERSION;
  if (content.ok) {
    const decoded = attempt(() => decodeConfig(content.text));
    const named = decoded.ok ? decoded.value["cniVersion"] : undefined;
    if (typeof named === "string" && named !== "") cniVersion = named;
  }
  return { cniVersion, supportedVersions: SUPPORTED_VERSIONS };
}

function attempt(decode: () => NetworkConfig): { ok: true; value: NetworkConfig } | { ok: false; error: PluginError } {
  try {
    return { ok: true, value: decode() };
  } catch (error) {
    return { ok: false, error: error instanceof PluginError ? error : internalError(error) };
  }
}

function internalError(error: unknown): PluginError {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return new PluginError("INTERNAL", "internal error in the ipledger CNI plugin", text);
}

interface ReportContext {
  readonly verb: Verb | undefined;
  readonly attachment: Attachment | undefined;
  /** The message may quote stdin (a JSON parse error does), so the log line leaves it out. */
  readonly quotesInput?: boolean;
}

/** Prints the CNI error on stdout and logs one line on stderr (no config, no CNI_ARGS). */
function report(io: PluginIo, error: CniErrorBody, context: ReportContext): void {
  io.stdout.write(`${JSON.stringify(error)}\n`);
  const line = {
    time: new Date().toISOString(),
    level: "error",
    component: "ipledger-cni",
    verb: context.verb ?? null,
    containerId: context.attachment?.containerId ?? null,
    ifName: context.attachment?.ifName ?? null,
    code: error.code,
    msg: context.quotesInput === true ? "the network configuration on stdin is not valid JSON" : error.msg,
  };
  io.stderr.write(`${JSON.stringify(line)}\n`);
}
