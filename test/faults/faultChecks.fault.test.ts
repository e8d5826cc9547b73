import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkServedState } from "../support/faults/faultChecks.js";
import { faultContext } from "../support/faults/faultContext.js";
import { superviseAgent, type Supervisor } from "../support/faults/supervisor.js";
import { createWorkload } from "../support/faults/workload.js";
import { ensureBuilt } from "../support/kafka/kafkaAgentProcess.js";

// The suite's own control: a check that cannot fail proves nothing, so this file makes the agent
// really lose its acknowledged state (the data directory wiped, as a lost disk would) and asserts
// that the checks the scenarios rely on report it. It adds no row to the fault table.
describe("the fault checks", () => {
  const context = faultContext("control: a wiped data directory");
  afterAll(() => context.cleanup());

  it("given acknowledged ADDs, when the agent's data directory is wiped and it restarts, then every acknowledged address is reported lost", async () => {
    ensureBuilt();
    const dataDir = context.tempDir("control");
    const socketPath = join(dataDir, "agent.sock");
    const start = () => superviseAgent({ dataDir, socketPath, node: "fault-control" });
    let supervisor: Supervisor = start();
    const workload = createWorkload({
      socketPath,
      random: context.random,
      ipam: { range: "10.88.0.0/20" },
      network: "fault-control",
    });
    try {
      await supervisor.waitServing(30_000);
      await workload.burstFor(1_500);
      const before = await checkServedState(supervisor, workload);
      expect(before.lost).toEqual([]);
      const held = workload.expectedHoldings().size;
      expect(held, "the burst left addresses held").toBeGreaterThan(0);

      await supervisor.stop({ kill: true });
      for (const file of [
        "ledger.db",
        "ledger.db-wal",
        "ledger.db-shm",
        "projection.db",
        "projection.db-wal",
        "projection.db-shm",
      ])
        rmSync(join(dataDir, file), { force: true });
      supervisor = start();
      const after = await checkServedState(supervisor, workload);
      expect(after.lost).toHaveLength(held);
    } finally {
      await supervisor.stop({ kill: true });
    }
  });
});
