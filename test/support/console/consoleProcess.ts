import { spawn, type ChildProcess } from "node:child_process";
import { requireBuilt } from "../builtDist.js";

export interface ConsoleProcess {
  /** The URL the console printed as its first line. */
  readonly url: string;
  readonly child: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * Starts the built `ipledger console` (port 0: the kernel picks a free one, so parallel tests do
 * not collide) and waits for the URL it prints first; rejects with its stderr if it exits.
 *
 * @example const console = await startConsole(["--data-dir", dir]); … await console.stop();
 */
export function startConsole(
  args: readonly string[],
  bin: string = requireBuilt("dist/src/cli/bin.js"),
): Promise<ConsoleProcess> {
  const child = spawn(process.execPath, [bin, "console", "--listen", "127.0.0.1:0", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the console printed no URL in 60 s: ${stderr}`)), 60_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split("\n")[0];
      if (stdout.includes("\n") && line) {
        clearTimeout(timer);
        resolve({
          url: line.trim(),
          child,
          stderr: () => stderr,
          stop: async () => {
            if (child.exitCode === null) child.kill("SIGTERM");
            await exited;
          },
        });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`ipledger console exited ${code}: ${stderr}`));
    });
  });
}
