import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { requestAgent } from "../../../plugin/agentClient.js";
import { canonicalIp } from "./network.js";
import { AGENT_BIN, REPO_ROOT } from "./repoPaths.js";

/** One row of `GET /v1/allocations`. */
export interface Allocation {
  readonly ip: string;
  readonly pool: string;
  readonly containerId: string;
  readonly ifName: string;
  readonly podNamespace: string;
  readonly podName: string;
  readonly [key: string]: unknown;
}

/** A running agent: its socket, its recent output, and a way to stop it. */
export interface AgentProcess {
  readonly socketPath: string;
  readonly pid: number;
  /** The agent's stdout and stderr so far (the last 200 lines), for failure messages. */
  output(): string;
  /** `GET path` over the socket; the body parsed as JSON. Throws on a non-2xx status. */
  get(path: string): Promise<unknown>;
  /** The current allocations, with `ip` in canonical spelling. */
  allocations(): Promise<Allocation[]>;
  /** Resolves with the exit code (null when a signal ended it) once the process is gone. */
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

export interface AgentOptions {
  readonly dataDir: string;
  readonly socketPath: string;
  readonly node: string;
  readonly readyTimeoutMs?: number;
  /** Appended to the command line (`--kafka B --topic T`, `--append-timeout 2000`, …). */
  readonly extraArgs?: readonly string[];
  /** Called with the child's pid right after the spawn, before it is ready (a fault test kills it while it starts). */
  readonly onSpawn?: (pid: number) => void;
}

/**
 * Starts the real agent, `node dist/src/cli/bin.js agent --data-dir D --socket S --node N`, and
 * waits until it has printed a line containing `listening`, its socket exists, and `GET /readyz`
 * answers 200. Needs `npm run build`.
 *
 * @example
 *   const agent = await startAgent({ dataDir, socketPath: join(dataDir, "agent.sock"), node: "e2e-node" });
 */
export async function startAgent(options: AgentOptions): Promise<AgentProcess> {
  const args = [
    AGENT_BIN,
    "agent",
    "--data-dir",
    options.dataDir,
    "--socket",
    options.socketPath,
    "--node",
    options.node,
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  if (child.pid !== undefined) options.onSpawn?.(child.pid);
  const lines: string[] = [];
  let listening = false;
  const collect = (chunk: Buffer): void => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (line === "") continue;
      if (line.includes("listening")) listening = true;
      lines.push(line);
      if (lines.length > 200) lines.shift();
    }
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));

  const agent = handle(child, options.socketPath, () => lines.join("\n"), exited);
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  while (!(listening && existsSync(options.socketPath) && (await isReady(options.socketPath)))) {
    if (exitCode !== undefined) {
      throw new Error(`the agent exited with ${exitCode} before it was ready:\n${agent.output()}`);
    }
    if (Date.now() > deadline) {
      await agent.stop();
      throw new Error(
        `the agent was not ready within ${options.readyTimeoutMs ?? 30_000} ms (listening: ${listening}):\n${agent.output()}`,
      );
    }
    await sleep(100);
  }
  return agent;
}

async function isReady(socketPath: string): Promise<boolean> {
  try {
    return (await requestAgent({ socketPath, method: "GET", path: "/readyz", timeoutMs: 2000 })).status === 200;
  } catch {
    return false;
  }
}

function handle(
  child: ChildProcess,
  socketPath: string,
  output: () => string,
  exited: Promise<number | null>,
): AgentProcess {
  const get = async (path: string): Promise<unknown> => {
    const answer = await requestAgent({ socketPath, method: "GET", path, timeoutMs: 10_000 });
    if (answer.status < 200 || answer.status > 299)
      throw new Error(`GET ${path}: HTTP ${answer.status} ${answer.body}`);
    return JSON.parse(answer.body) as unknown;
  };
  return {
    socketPath,
    pid: child.pid ?? -1,
    output,
    exited,
    get,
    async allocations() {
      const body = await get("/v1/allocations");
      // The contract says an array; the agent wraps it as { allocations, basis }. Accept both.
      const rows = Array.isArray(body) ? body : (body as { allocations?: unknown }).allocations;
      if (!Array.isArray(rows)) throw new Error(`GET /v1/allocations returned no list: ${JSON.stringify(body)}`);
      return (rows as Allocation[]).map((row) => ({ ...row, ip: canonicalIp(row.ip) }));
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const stopped = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
      if (!stopped) {
        child.kill("SIGKILL");
        await exited;
      }
    },
  };
}
