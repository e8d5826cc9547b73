import type { FastifyInstance } from "fastify";
import type { Actor, LedgerEvent } from "../../../ledger/core/index.js";
import type { OperatorService } from "../../../src/operator/operatorService.js";
import { startTestAgent, type TestAgent, type TestAgentOptions } from "../agent/testAgent.js";

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
