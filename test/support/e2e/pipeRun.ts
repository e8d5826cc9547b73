import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { PLUGIN_BIN, PLUGIN_NATIVE, REPO_ROOT, type PipeKind } from "./repoPaths.js";

/**
 * The native pipe as `npm test` built it (pretest runs build:cni). Tests never build it
 * themselves; a missing one, or one older than plugin/native's sources, fails saying what to run.
 */
export function requireNativePipe(): string {
  if (!existsSync(PLUGIN_NATIVE))
    throw new Error(
      'dist/ipledger-cni is missing: run "npm run build:cni" (needs Go >= 1.26; npm test does it in pretest)',
    );
  const sourceDir = join(REPO_ROOT, "plugin", "native");
  const newest = Math.max(
    ...readdirSync(sourceDir)
      .filter((name) => /\.(go|json|mod)$/.test(name) && !name.endsWith("_test.go"))
      .map((name) => statSync(join(sourceDir, name)).mtimeMs),
  );
  if (statSync(PLUGIN_NATIVE).mtimeMs + 1_000 < newest)
    throw new Error('dist/ipledger-cni is older than plugin/native: run "npm run build:cni"');
  return PLUGIN_NATIVE;
}

/** One raw CNI call: exactly this environment (plus PATH) and these stdin bytes. */
export interface RawCall {
  readonly env: Readonly<Record<string, string>>;
  readonly stdin: string | Buffer;
}

/** What a runtime sees from one call. */
export interface RawOutcome {
  readonly code: number | null;
  /** Set when the process did not exit by itself (killed at the test's own limit). */
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly elapsedMs: number;
}

/** The command line of each pipe: the static Go binary, or this test run's node on dist/plugin/bin.js. */
export function pipeCommand(pipe: PipeKind): { file: string; args: string[] } {
  return pipe === "native" ? { file: PLUGIN_NATIVE, args: [] } : { file: process.execPath, args: [PLUGIN_BIN] };
}

/**
 * Runs one pipe as a runtime does: env, stdin, wait for exit. A run that outlives `killAfterMs`
 * is killed and reported with its signal, so a hung pipe fails the test instead of hanging it.
 * A pipe that stops reading stdin early (over the 1 MiB limit) is fine: EPIPE on our side is ignored.
 */
export function runPipe(pipe: PipeKind, call: RawCall, killAfterMs = 60_000): Promise<RawOutcome> {
  const { file, args } = pipeCommand(pipe);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", ...call.env },
      stdio: ["pipe", "pipe", "pipe"],
      timeout: killAfterMs,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on("error", () => undefined);
    child.on("error", reject);
    child.on("close", (code, signal) =>
      resolve({
        code,
        signal,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
        elapsedMs: performance.now() - started,
      }),
    );
    child.stdin.end(call.stdin);
  });
}

/** Runs the same call through both pipes, one after the other (native first). */
export async function runBothPipes(call: RawCall, killAfterMs?: number): Promise<Record<PipeKind, RawOutcome>> {
  const native = await runPipe("native", call, killAfterMs);
  const node = await runPipe("node", call, killAfterMs);
  return { native, node };
}
