import { z } from "zod";
import { isSupportedVersion, LATEST_VERSION, SUPPORTED_VERSIONS } from "../../plugin/cniVersions.js";
import { answerVerb, type CniVerbs, type Outcome } from "./execAnswer.js";
import { agentTargetOf, decodeConfig, type NetworkConfig } from "./execConfig.js";
import { parseVerb, readAttachment, type Attachment, type Env } from "./execEnv.js";
import { ExecError, toCniError, type CniErrorBody } from "./execErrors.js";
import { requireVersionFor, type Verb } from "./execVersions.js";

/** The most a CNI call may carry on stdin. A network configuration is a few kilobytes. */
export const MAX_STDIN_BYTES = 1024 * 1024;

/**
 * The body of `POST /v1/cni/exec`: one CNI call as the pipe saw it. `stdin` is the raw bytes in
 * base64 (the pipe sends at most one byte over the limit); `stdinError` says why stdin could not
 * be read; `env` holds the CNI_* and IPLEDGER_* variables.
 */
export const execRequestSchema = z.object({
  command: z.string().default(""),
  env: z.record(z.string(), z.string()).default({}),
  stdin: z.string().default(""),
  stdinError: z.string().optional(),
});
export type ExecRequest = z.infer<typeof execRequestSchema>;

/** What the runtime must see, byte for byte: the exit code, stdout, and a log line for stderr. */
export interface ExecAnswer {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

type Decoded = { ok: true; value: NetworkConfig } | { ok: false; error: ExecError };

/**
 * Runs one raw CNI call: reads CNI_COMMAND, the attachment variables and CNI_ARGS, decodes the
 * network configuration, negotiates the version, runs the verb and prints the result or the CNI
 * error `{cniVersion, code, msg, details}`, exactly as the plugin printed them before it became a
 * pipe. It never throws. The checks run in the plugin's order, so the first fault is the one named.
 *
 * @example
 *   const answer = await runCniExec({ command: "ADD", env, stdin: Buffer.from(config).toString("base64") }, service);
 */
export async function runCniExec(request: ExecRequest, service: CniVerbs): Promise<ExecAnswer> {
  const env: Env = { ...request.env, CNI_COMMAND: request.command === "" ? undefined : request.command };
  const decoded = decodeStdin(request);
  // Errors speak the config's version when it is one we know, else the newest.
  const errorVersion =
    decoded.ok && isSupportedVersion(decoded.value["cniVersion"]) ? decoded.value["cniVersion"] : LATEST_VERSION;
  let verb: Verb | undefined;
  let attachment: Attachment | undefined;
  try {
    verb = parseVerb(env);
    if (verb === "VERSION") {
      const named = decoded.ok ? decoded.value["cniVersion"] : undefined;
      const cniVersion = typeof named === "string" && named !== "" ? named : LATEST_VERSION;
      return {
        exitCode: 0,
        stdout: `${JSON.stringify({ cniVersion, supportedVersions: SUPPORTED_VERSIONS })}\n`,
        stderr: "",
      };
    }
    attachment = readAttachment(verb, env);
    if (!decoded.ok) throw decoded.error;
    const config = decoded.value;
    const cniVersion = requireVersionFor(verb, config["cniVersion"]);
    agentTargetOf(config, env); // the pipe's own keys: named here when invalid
    const outcome: Outcome = await answerVerb(service, verb, cniVersion, config, attachment);
    if (outcome.ok) return { exitCode: 0, stdout: outcome.stdout, stderr: "" };
    return failed(outcome.error, { verb, attachment });
  } catch (error) {
    const failure = error instanceof ExecError ? error : internalError(error);
    return failed(toCniError(errorVersion, failure), {
      verb,
      attachment,
      quotesInput: failure.condition === "MALFORMED_JSON",
    });
  }
}

function decodeStdin(request: ExecRequest): Decoded {
  if (request.stdinError !== undefined)
    return { ok: false, error: new ExecError("STDIN_UNREADABLE", `cannot read stdin: ${request.stdinError}`) };
  const bytes = Buffer.from(request.stdin, "base64");
  if (bytes.length > MAX_STDIN_BYTES) {
    const message = `network configuration on stdin is larger than ${MAX_STDIN_BYTES} bytes`;
    return {
      ok: false,
      error: new ExecError(
        "REQUEST_TOO_LARGE",
        message,
        "a CNI network configuration is a few kilobytes; check what the runtime passes on stdin",
      ),
    };
  }
  try {
    return { ok: true, value: decodeConfig(bytes.toString("utf8")) };
  } catch (error) {
    return { ok: false, error: error instanceof ExecError ? error : internalError(error) };
  }
}

function internalError(error: unknown): ExecError {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return new ExecError("INTERNAL", "internal error in the ipledger CNI plugin", text);
}

interface ReportContext {
  readonly verb: Verb | undefined;
  readonly attachment: Attachment | undefined;
  /** The message may quote stdin (a JSON parse error does), so the log line leaves it out. */
  readonly quotesInput?: boolean;
}

/** The CNI error on stdout, exit code 1, and one log line for stderr (no config, no CNI_ARGS). */
function failed(error: CniErrorBody, context: ReportContext): ExecAnswer {
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
  return { exitCode: 1, stdout: `${JSON.stringify(error)}\n`, stderr: `${JSON.stringify(line)}\n` };
}
