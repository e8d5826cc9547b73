import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { decideAllocation, type Owner, type TargetPool } from "../../../ledger/core/index.js";
import { replayLog } from "../../../projections/replay.js";
import { dumpProjection, firstDifference } from "../../../projections/sqlite/projectionDump.js";
import { openSqliteProjection } from "../../../projections/sqlite/sqliteProjection.js";
import { appendAndWait } from "../../../src/cni/appendAndWait.js";
import type { OperatorResult } from "../../../src/operator/operatorService.js";
import { expectLedgerSound } from "../agent/agentCalls.js";
import type { TestAgent } from "../agent/testAgent.js";
import { trailOf } from "./operatorAgent.js";

/** Holders of every domain as `ip pod node`, sorted: what "the state" means to an operator. */
function holdingsOf(state: TestAgent["runner"]["state"]): string[] {
  return [...state.domains.values()]
    .flatMap((domain) =>
      [...domain.held.values()].map(
        (h) => `${h.domain}|${h.ip}|${h.owner.podNamespace}/${h.owner.podName}|${h.owner.node}`,
      ),
    )
    .sort();
}

function reservationsOf(state: TestAgent["runner"]["state"]): string[] {
  return [...state.domains.values()]
    .flatMap((domain) => domain.reservations.map((r) => `${domain.name}|${r.pool}|${r.target}|${r.note}`))
    .sort();
}

/**
 * What must hold after every operator action: the ledger verifies (hash chains, one owner per
 * address, projection equal to a replay), a fresh replay reproduces the live state, and the
 * projection's trail of the action's events (the `events` table's actor and body) and the
 * history of every released address name the operator and the reason.
 */
export async function expectActionRecorded(
  agent: TestAgent,
  result: OperatorResult,
  expected: { user: string; reason: string },
): Promise<void> {
  await expectLedgerSound(agent.log, agent.projection);
  const scratch = mkdtempSync(join(tmpdir(), "ipledger-op-replay-"));
  const fresh = openSqliteProjection(join(scratch, "projection.db"));
  try {
    const { state } = await replayLog(agent.log, fresh);
    expect(holdingsOf(state)).toEqual(holdingsOf(agent.runner.state));
    expect(reservationsOf(state)).toEqual(reservationsOf(agent.runner.state));
    expect(firstDifference(dumpProjection(fresh.db), dumpProjection(agent.projection.db))).toBeUndefined();
  } finally {
    fresh.close();
    rmSync(scratch, { recursive: true, force: true });
  }
  // The history of each released address names who released it and why (issue 6's `closedBy`
  // and `endNote` on every ownership interval).
  for (const event of result.events) {
    if (event.type !== "AddressReleased") continue;
    const last = agent.queries.history({ ip: event.data.ip }).at(-1) as unknown as Record<string, unknown> | undefined;
    expect(last, `history of ${event.data.ip}`).toMatchObject({
      podName: event.data.owner.podName,
      endReason: event.data.reason,
      endNote: expected.reason,
      closedBy: { user: expected.user },
    });
  }
  const trail = trailOf(
    agent,
    result.events.map((event) => event.id),
  );
  expect(trail).toHaveLength(result.events.length);
  for (const row of trail) {
    expect(row.status).toBe("accepted");
    expect(row.actor.user).toBe(expected.user);
    expect((row.event.data as { note?: string }).note).toBe(expected.reason);
  }
}

/** Appends an allocation for `owner` in `pool` straight to the fixture's log (an ADD made on another node). */
export async function allocateOn(
  agent: Pick<TestAgent, "log" | "runner">,
  owner: Owner,
  target: TargetPool,
  now = new Date().toISOString(),
): Promise<string> {
  const decision = decideAllocation(
    {
      kind: "AllocateAddresses",
      now,
      actor: { node: owner.node, component: "agent" },
      requestId: crypto.randomUUID(),
      owner,
      pools: [target],
      requested: [],
      sticky: true,
      spread: 1,
      random: [0],
      avoid: [],
    },
    agent.runner.state,
  );
  const outcomes = await appendAndWait(agent.log, agent.runner, decision.events, 5_000);
  expect([...outcomes.values()].every((outcome) => outcome.status === "accepted")).toBe(true);
  return decision.pools[0]?.ip as string;
}
