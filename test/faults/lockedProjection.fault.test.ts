import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { faultContext } from "../support/faults/faultContext.js";
import { startTally } from "../support/faults/faultTally.js";
import { holdWriteLock } from "../support/faults/lockHolder.js";
import { superviseAgent } from "../support/faults/supervisor.js";
import { createWorkload } from "../support/faults/workload.js";
import { ensureBuilt } from "../support/kafka/kafkaAgentProcess.js";

const SCENARIO = "locked projection";
const RUNS = 2;

describe(SCENARIO, () => {
  const context = faultContext(SCENARIO);
  afterAll(() => context.cleanup());

  it("given a burst, when another process holds the write lock on projection.db for seconds, then after it lets go the agent serves again by itself with no acknowledgement lost", async () => {
    ensureBuilt();
    const dataDir = context.tempDir("locked");
    const socketPath = join(dataDir, "agent.sock");
    const supervisor = superviseAgent({ dataDir, socketPath, node: "fault-locked" });
    const workload = createWorkload({ socketPath, random: context.random, ipam: { range: "10.83.0.0/20" }, network: "fault-locked" });
    const tally = startTally({ scenario: SCENARIO, resultsFile: context.resultsFile, dataDir, workload, recoveryBoundMs: 30_000 });
    try {
      await supervisor.waitServing(30_000);
      for (let run = 0; run < RUNS; run += 1) {
        await workload.burstFor(context.between(500, 1_500));
        // The burst goes on through the lock: the agent's projection writes wait, fail, or retry.
        const lock = await holdWriteLock(join(dataDir, "projection.db"), context.between(5_000, 8_000));
        let released = false;
        await Promise.all([workload.burst(() => released), lock.released.then(() => (released = true))]);
        await tally.afterFault(supervisor);
      }
    } catch (error) {
      await supervisor.stop({ kill: true });
      throw error;
    }
    const findings = await tally.finish(supervisor);
    expect(findings.unrecovered).toEqual([]);
    expect(findings.lost).toEqual([]);
    expect(findings.duplicates).toEqual([]);
    expect(findings.verify.status, findings.verify.output).toBe(0);
  });
});
