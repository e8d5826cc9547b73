import type { Command } from "commander";
import { foldLog, type LedgerView } from "../ledgerView.js";
import { askAgent } from "../readModel/agentClient.js";
import { DEFAULT_DATA_DIR } from "../dataFiles.js";
import { parseOutput, type OutputFormat } from "../output.js";
import { openCommandLog, withLogOptions, type LogOptions } from "../readModel/logOptions.js";
import { readSourceOf } from "../readModel/readSource.js";
import { localNode, localOperator } from "./operatorIdentity.js";
import { asOperatorCliError, exitCodeOfResult, renderOperatorResult } from "./operatorOutput.js";
import type { OperatorAction } from "./operatorRequest.js";
import { createOperatorService, type OperatorResult } from "./operatorService.js";

/** The options every mutating operator command shares. */
export interface OperatorCliOptions extends LogOptions {
  readonly reason: string;
  readonly dryRun?: boolean;
  readonly dataDir: string;
  readonly socket?: string;
  readonly output: OutputFormat;
}

/** Adds `--reason`, `--dry-run`, where to act (`--socket`, or the log: `--data-dir` / `--kafka …`) and `--output`. */
export function withOperatorOptions(command: Command): Command {
  return withLogOptions(
    command
      .requiredOption("--reason <text>", "why: recorded in every event it appends, with who you are")
      .option("--dry-run", "print the exact events it would append (JSON) and append nothing")
      .option("--socket <path>", "act through the agent on this unix socket (its admin API)")
      .option(
        "--data-dir <dir>",
        "without --socket: append to the embedded log in this data directory",
        DEFAULT_DATA_DIR,
      )
      .option("--output <format>", "table or json", parseOutput, "table"),
  );
}

/** Where actions go: a running agent, or the log itself (folded here, as the agent folds it). */
export interface OperatorTarget {
  run(action: OperatorAction, body: Record<string, unknown>): Promise<OperatorResult>;
  close(): Promise<void>;
}

/**
 * Opens the target the options name. Through `--socket` the CLI passes its `user@host` in the
 * body and the agent records it; directly on the log the CLI appends with actor
 * `{ node: $NODENAME or host, component: "cli", user }` and waits for its own fold's verdict.
 *
 * @example const target = await openOperatorTarget(options); try { await target.run("release", { ip, reason }) } finally { await target.close() }
 */
export async function openOperatorTarget(options: OperatorCliOptions): Promise<OperatorTarget> {
  const user = localOperator();
  const source = readSourceOf(options);
  if (source.kind === "socket") {
    const { socket } = source;
    return {
      run: (action, body) =>
        askAgent<OperatorResult>(socket, `/v1/admin/${action}`, {
          method: "POST",
          body: { ...body, user },
          timeoutMs: 60_000,
        }),
      close: async () => undefined,
    };
  }
  const log = await openCommandLog(options, options.dataDir, { clientId: "ipledger-operator", createTopic: false });
  const view: LedgerView = await foldLog(log);
  const service = createOperatorService({ log: view.log, runner: view.runner, node: localNode(), component: "cli" });
  return { run: (action, body) => service.run(action, body, user), close: () => view.close() };
}

/** The body fields every action takes from the shared options. */
export function commonBody(options: OperatorCliOptions): Record<string, unknown> {
  return { reason: options.reason, ...(options.dryRun ? { dryRun: true } : {}) };
}

/** Runs one action, prints it, and sets the exit code (1 when the fold voided any event). */
export async function runOperatorCommand(
  action: OperatorAction,
  body: Record<string, unknown>,
  options: OperatorCliOptions,
  exit: { code: number },
  io: { readonly stdout: { write(text: string): unknown } },
): Promise<void> {
  try {
    const target = await openOperatorTarget(options);
    try {
      const result = await target.run(action, { ...commonBody(options), ...body });
      io.stdout.write(`${renderOperatorResult(result, options.output)}\n`);
      exit.code = exitCodeOfResult(result);
    } finally {
      await target.close();
    }
  } catch (error) {
    throw asOperatorCliError(error);
  }
}
