import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { join } from "node:path";
import { openSqliteEventLog } from "../../../ledger/log/sqliteEventLog.js";
import { createProjectionRunner } from "../../../projections/runner.js";
import { LOG_FILE } from "../../../src/agent.js";
import { createCniService } from "../../../src/cni/cniService.js";
import { expectLedgerSound } from "../../support/agent/agentCalls.js";
import { cniBody } from "../../support/agent/cniBodies.js";
import { startTestAgent, type TestAgent } from "../../support/agent/testAgent.js";

// Parallel ADDs through the real service and log. The fold is the arbiter: whatever the
// interleaving, every pod gets its own address and the projection equals a replay.

const COUNT = 100;
const ipam = { range: "10.100.0.0/24" };

let agent: TestAgent;

beforeEach(async () => {
  agent = await startTestAgent();
});

afterEach(async () => {
  try {
    await expectLedgerSound(agent.log, agent.projection);
  } finally {
    await agent.close();
  }
});

async function voidedClaims(): Promise<{ allocations: number; definitions: number }> {
  const rows = agent.projection.db
    .prepare("SELECT type, COUNT(*) AS n FROM events WHERE status = 'voided' GROUP BY type")
    .all() as { type: string; n: number }[];
  const count = (type: string) => rows.find((row) => row.type === type)?.n ?? 0;
  return { allocations: count("AddressAllocated"), definitions: count("PoolDefined") };
}

const addressesOf = (result: Record<string, unknown>): string[] =>
  (result.ips as { address: string }[]).map((ip) => ip.address);

function expectDistinct(addresses: readonly string[]): void {
  expect(addresses).toHaveLength(COUNT);
  expect(new Set(addresses).size).toBe(COUNT);
  for (const address of addresses) expect(address).toMatch(/^10\.100\.0\.\d+\/24$/);
}

describe("parallel ADDs", () => {
  it(`${COUNT} ADDs against one agent give ${COUNT} distinct addresses`, async () => {
    // Straight into the service, all in one tick: every decision is made before any fold.
    const results = await Promise.all(
      Array.from({ length: COUNT }, (_, n) => agent.service.add(cniBody({ ipam, pod: { name: `pod-${n}` } }))),
    );
    const addresses = results.flatMap((outcome) => addressesOf(outcome.result));
    expectDistinct(addresses);
    expect(agent.queries.allocations()).toHaveLength(COUNT);

    const voided = await voidedClaims();
    const metrics = await agent.metrics.registry.getSingleMetricAsString("ipledger_voided_claims_total");
    console.info(
      `one agent, ${COUNT} parallel ADDs: ${agent.service.contention.voids} voided claim round(s) (service.contention.voids), ` +
        `${voided.allocations} voided AddressAllocated and ${voided.definitions} voided duplicate PoolDefined in the projection`,
    );
    // The agent skips its own in-flight claims, so alone it never loses a race to itself.
    expect(voided.allocations).toBe(agent.service.contention.voids);
    expect(metrics).toContain(`ipledger_voided_claims_total ${voided.allocations}`);
    expect(agent.service.contention.successes).toBe(COUNT);
  });

  it(`two agents on one log file, ${COUNT / 2} ADDs each in parallel, never hand out one address twice`, async () => {
    // A second agent: its own connection to the log file (it sees the first agent's appends only
    // when it polls), its own fold and its own service. So the two really race for addresses.
    const otherLog = openSqliteEventLog({ path: join(agent.dataDir, LOG_FILE), pollIntervalMs: 20 });
    const otherRunner = createProjectionRunner({ log: otherLog });
    await otherRunner.start();
    await otherRunner.waitForCatchUp(5_000);
    const other = createCniService({ log: otherLog, runner: otherRunner, node: "node-other" });
    try {
      const results = await Promise.all(
        Array.from({ length: COUNT }, (_, n) => {
          const body = cniBody({ ipam, pod: { name: `pod-${n}` } });
          const service = n % 2 === 0 ? agent.service : other;
          return service.add(body).then((outcome) => addressesOf(outcome.result));
        }),
      );
      expectDistinct(results.flat());
      // The other agent's last appends reach this agent's fold by polling.
      await agent.runner.waitForCatchUp(5_000);
      const voided = await voidedClaims();
      const rounds = agent.service.contention.voids + other.contention.voids;
      console.info(
        `two agents, ${COUNT} parallel ADDs: ${rounds} voided claim round(s) (agent ${agent.service.contention.voids}, other ${other.contention.voids}), ` +
          `${voided.allocations} voided AddressAllocated in the projection`,
      );
      expect(voided.allocations).toBe(rounds);
      expect(agent.queries.allocations()).toHaveLength(COUNT);
    } finally {
      await otherRunner.stop();
      await otherLog.close();
    }
  });
});
