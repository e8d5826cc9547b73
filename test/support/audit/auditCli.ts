import { spawn } from "node:child_process";
import { requireBuilt } from "../builtDist.js";
import { capturedIo } from "../cli/capturedIo.js";

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the built `ipledger` CLI (`dist/src/cli/bin.js`, from `npm run build`) without blocking
 * the event loop, so an agent served by this very process can answer it.
 *
 * @example const { status, stdout } = await ipledger(["who", "10.0.0.1", "--data-dir", dir, "--output", "json"]);
 */
export function ipledger(
  args: readonly string[],
  options: { input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliRun> {
  return runBuilt("dist/src/cli/bin.js", args, options);
}

/**
 * Runs a built script of this repository (`dist/…`) with Node, asynchronously, capturing what it prints.
 *
 * @example const demo = await runBuilt("dist/src/cli/demo.js", [], { cwd: home });
 */
export function runBuilt(
  script: string,
  args: readonly string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<CliRun> {
  const bin = requireBuilt(script);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, ...options.env },
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

/** A run that must succeed; its standard output parsed as JSON. */
export async function ipledgerJson<T>(args: readonly string[]): Promise<T> {
  const run = await ipledger([...args, "--output", "json"]);
  if (run.status !== 0) throw new Error(`ipledger ${args.join(" ")} exited ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/**
 * Runs the CLI's commands in this process (`runCli` from the sources), capturing what they print:
 * the same code as the binary minus a Node start-up per call, which costs a second on a busy
 * 2-core machine. Tests keep a few real `ipledger` runs for the process boundary itself.
 *
 * @example const { status, stdout } = await ipledgerHere(["history", "--pod", "shop/web-0", "--data-dir", dir]);
 */
export async function ipledgerHere(args: readonly string[]): Promise<CliRun> {
  const { runCli } = await import("../../../src/cli/program.js");
  const io = capturedIo();
  const status = await runCli(["node", "ipledger", ...args], io);
  return { status, stdout: io.stdoutText(), stderr: io.stderrText() };
}

/** An in-process run that must succeed; its standard output parsed as JSON. */
export async function ipledgerHereJson<T>(args: readonly string[]): Promise<T> {
  const run = await ipledgerHere([...args, "--output", "json"]);
  if (run.status !== 0) throw new Error(`ipledger ${args.join(" ")} exited ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}
