import { runCli } from "../../../src/cli/program.js";
import { capturedIo } from "./capturedIo.js";
import type { CliRun } from "./spawnedCli.js";

export type { CliRun };

/**
 * Runs the CLI's commands in this process (`runCli` from the sources, streams injected), capturing
 * what they print: the same code as the binary minus a Node start-up per call, which costs a second
 * on a busy 2-core machine. Tests keep a few spawned runs (`spawnedCli.ts`) for the process
 * boundary itself.
 *
 * @example const { status, stdout } = await ipledgerHere(["history", "--pod", "shop/web-0", "--data-dir", dir]);
 */
export async function ipledgerHere(args: readonly string[]): Promise<CliRun> {
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
