import { spawn } from "node:child_process";
import type { FastifyInstance } from "fastify";
import type { Actor, LedgerEvent } from "../../../ledger/core/index.js";
import type { OperatorService } from "../../../src/operator/operatorService.js";
import { startTestAgent, type TestAgent, type TestAgentOptions } from "../agent/testAgent.js";
import { AGENT_BIN, REPO_ROOT } from "../e2e/repoPaths.js";

/** The test agent fixture, named for the operator tests: its app serves `/v1/admin/*` and `/v1/allowlist`. */
export interface OperatorAgent {
  readonly agent: TestAgent;
  readonly operator: OperatorService;
  /** The agent's API with the admin routes (socket auth: every caller admin); use `inject()`. */
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/**
 * Starts the test agent fixture (`assembleAgent` wires the operator service and its routes, on
 * the same log, runner, projection and clock as the CNI service).
 *
 * @example const { agent, app } = await startOperatorAgent({ node: "node-a" });
 */
export async function startOperatorAgent(options: TestAgentOptions = {}): Promise<OperatorAgent> {
  const agent = await startTestAgent(options);
  return { agent, operator: agent.operator, app: agent.app, close: () => agent.close() };
}

/** One row of the projection's `events` table, as an auditor reads it. */
export interface TrailRow {
  readonly type: LedgerEvent["type"];
  readonly status: string;
  readonly actor: Actor;
  readonly event: LedgerEvent;
}

/** The projection's record of the events with these ids (actor JSON and body), in log order. */
export function trailOf(agent: Pick<TestAgent, "projection">, ids: readonly string[]): TrailRow[] {
  const rows = agent.projection.db
    .prepare(
      `SELECT type, status, actor, body FROM events WHERE id IN (${ids.map(() => "?").join(",")}) ORDER BY partition, "offset"`,
    )
    .all(...ids) as { type: LedgerEvent["type"]; status: string; actor: string; body: string }[];
  return rows.map((row) => ({
    type: row.type,
    status: row.status,
    actor: JSON.parse(row.actor) as Actor,
    event: JSON.parse(row.body) as LedgerEvent,
  }));
}

/** What a CLI run printed and how it ended. */
export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the BUILT CLI asynchronously (an in-process agent must keep answering while it runs;
 * `spawnSync` would block it), with stdin closed so it is never a terminal.
 *
 * @example const { status, stdout } = await ipledger(["release", "10.0.0.5", "--reason", "x", "--socket", sock]);
 */
export function ipledger(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AGENT_BIN, ...args], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...options.env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
