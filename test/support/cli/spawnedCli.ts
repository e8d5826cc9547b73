import { spawn } from "node:child_process";
import { requireBuilt } from "../builtDist.js";

/** What one run of the CLI did: its exit status (null when killed) and everything it printed. */
export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** How a spawned run is started: standard input, extra environment, working directory, a kill deadline. */
export interface SpawnOptions {
  readonly input?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** SIGKILL after this long (default two minutes), so a hung command fails its test instead of hanging it. */
  readonly timeoutMs?: number;
}

/**
 * Runs the built `ipledger` CLI (`dist/src/cli/bin.js`, from `npm run build`) in a child process,
 * without blocking the event loop, so an agent served by this very process can answer it. For what
 * only a process shows: exit codes through `bin.ts`, `--version`, signals, another uid.
 *
 * @example const { status, stdout } = await ipledger(["who", "10.0.0.1", "--data-dir", dir, "--output", "json"]);
 */
export function ipledger(args: readonly string[], options: SpawnOptions = {}): Promise<CliRun> {
  return runBuilt("dist/src/cli/bin.js", args, options);
}

/** A spawned run that must succeed; its standard output parsed as JSON. */
export async function ipledgerJson<T>(args: readonly string[]): Promise<T> {
  const run = await ipledger([...args, "--output", "json"]);
  if (run.status !== 0) throw new Error(`ipledger ${args.join(" ")} exited ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/**
 * Runs a built script of this repository (`dist/…`) with Node, asynchronously, capturing what it prints.
 *
 * @example const demo = await runBuilt("dist/src/cli/demo.js", [], { cwd: home });
 */
export function runBuilt(script: string, args: readonly string[], options: SpawnOptions = {}): Promise<CliRun> {
  const bin = requireBuilt(script);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, ...options.env },
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", (error) => (clearTimeout(timer), reject(error)));
    child.on("close", (status) => (clearTimeout(timer), resolve({ status, stdout, stderr })));
    child.stdin.end(options.input ?? "");
  });
}
