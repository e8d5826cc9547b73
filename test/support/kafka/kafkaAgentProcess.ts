import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { requestAgent } from "../../../plugin/agentClient.js";
import { requireBuilt } from "../builtDist.js";
import { AGENT_BIN, REPO_ROOT } from "../e2e/repoPaths.js";

/** A running `ipledger agent --kafka …` process. */
export interface KafkaAgentProcess {
  readonly node: string;
  readonly dataDir: string;
  readonly socketPath: string;
  /** The last 300 lines it printed, for failure messages. */
  output(): string;
  get(path: string): Promise<unknown>;
  /** `ipledger_voided_claims_total` from its `/metrics`. */
  voidedClaims(): Promise<number>;
  /** SIGTERM, then SIGKILL after 15 s; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** The built CLI (`node dist/src/cli/bin.js`) with arguments; resolves with its exit code and output. */
export function runCli(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [AGENT_BIN, ...args], {
    cwd: REPO_ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The built CLI must be current; tests never build (see `requireBuilt`). */
export function ensureBuilt(): void {
  requireBuilt("dist/src/cli/bin.js");
}

/**
 * Spawns the built agent on a Kafka topic and waits until `/readyz` answers 200 (its fold has
 * caught up with the topic).
 *
 * @example const agent = await startKafkaAgent({ node: "agent-1", dataDir, brokers, topic });
 */
export async function startKafkaAgent(options: {
  node: string;
  dataDir: string;
  brokers: readonly string[];
  topic: string;
  extraArgs?: readonly string[];
}): Promise<KafkaAgentProcess> {
  const socketPath = join(options.dataDir, "agent.sock");
  const args = [
    AGENT_BIN,
    "agent",
    "--kafka",
    options.brokers.join(","),
    "--topic",
    options.topic,
    "--kafka-partitions",
    "3",
  ];
  args.push(
    "--data-dir",
    options.dataDir,
    "--socket",
    socketPath,
    "--node",
    options.node,
    ...(options.extraArgs ?? []),
  );
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const collect = (chunk: Buffer) => {
    lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    if (lines.length > 300) lines.splice(0, lines.length - 300);
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));

  const get = async (path: string) => {
    const answer = await requestAgent({ socketPath, method: "GET", path, timeoutMs: 10_000 });
    if (answer.status !== 200) throw new Error(`GET ${path} on ${options.node}: HTTP ${answer.status} ${answer.body}`);
    return path === "/metrics" ? answer.body : (JSON.parse(answer.body) as unknown);
  };
  const agent: KafkaAgentProcess = {
    node: options.node,
    dataDir: options.dataDir,
    socketPath,
    output: () => lines.join("\n"),
    get,
    async voidedClaims() {
      const text = (await get("/metrics")) as string;
      return Number(/^ipledger_voided_claims_total (\d+)/m.exec(text)?.[1] ?? Number.NaN);
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const stopped = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
      if (!stopped) child.kill("SIGKILL");
      return exited;
    },
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exitCode !== undefined)
      throw new Error(`agent ${options.node} exited with ${exitCode} before it was ready:\n${agent.output()}`);
    const ready = await requestAgent({ socketPath, method: "GET", path: "/readyz", timeoutMs: 2_000 }).then(
      (a) => a.status === 200,
      () => false,
    );
    if (ready) return agent;
    if (Date.now() > deadline) {
      await agent.stop();
      throw new Error(`agent ${options.node} was not ready within 60 s:\n${agent.output()}`);
    }
    await sleep(100);
  }
}

/** Waits until every agent reports the same log position on `/readyz` (30 s at most). */
export async function agentsConverged(agents: readonly KafkaAgentProcess[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const positions = await Promise.all(
      agents.map(async (agent) => JSON.stringify(((await agent.get("/readyz")) as { position: unknown }).position)),
    );
    if (new Set(positions).size === 1) return;
    if (Date.now() > deadline) throw new Error(`the agents did not converge: ${positions.join(" | ")}`);
    await sleep(50);
  }
}
