import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../e2e/repoPaths.js";

/** The compiled CLI (`npm run build`). */
export const CLI_BIN = join(REPO_ROOT, "dist", "src", "cli", "bin.js");

/** One JSON log line of the projector (pino). */
export interface ProjectorLogLine {
  readonly msg: string;
  readonly [key: string]: unknown;
}

export interface ProjectorProcess {
  readonly identity: string;
  readonly child: ChildProcess;
  /** Every JSON line it has logged so far. */
  readonly lines: ProjectorLogLine[];
  /** Its stderr lines that were not JSON (crashes, warnings). */
  readonly other: string[];
  /** Resolves once a line with this message has been logged. */
  logged(message: string, timeoutMs?: number): Promise<ProjectorLogLine>;
  /** IPPool writes it logged (created or replaced). */
  writes(): ProjectorLogLine[];
  /** Sends `signal` and waits for the exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/**
 * Spawns `node dist/src/cli/bin.js project-kubernetes --identity <identity> …args` and collects
 * its JSON log from stderr.
 *
 * @example
 *   const a = spawnProjector("proj-a", ["--kubeconfig", file, "--namespace", ns, "--data-dir", dir]);
 *   await a.logged("holding the projector Lease: writing IPPools");
 */
export function spawnProjector(identity: string, args: readonly string[]): ProjectorProcess {
  if (!existsSync(CLI_BIN)) throw new Error(`missing ${CLI_BIN}: run \`npm run build\` first`);
  const child = spawn(process.execPath, [CLI_BIN, "project-kubernetes", "--identity", identity, ...args], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  const lines: ProjectorLogLine[] = [];
  const other: string[] = [];
  const waiters = new Set<() => void>();
  let buffered = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    const complete = buffered.split("\n");
    buffered = complete.pop() ?? "";
    for (const line of complete) {
      try {
        lines.push(JSON.parse(line) as ProjectorLogLine);
      } catch {
        if (line.trim() !== "") other.push(line);
      }
    }
    waiters.forEach((wake) => wake());
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    identity,
    child,
    lines,
    other,
    logged(message, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found = lines.find((line) => line.msg === message);
          if (!found) return;
          cleanup();
          resolve(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `${identity} did not log "${message}" within ${timeoutMs} ms; stderr: ${other.join(" | ")}; last lines: ${JSON.stringify(lines.slice(-5))}`,
            ),
          );
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    writes: () => lines.filter((line) => line.msg === "IPPool created" || line.msg === "IPPool replaced"),
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
