import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "../support/kafka/kafkaAgentProcess.js";
import { faultContext } from "../support/faults/faultContext.js";
import { startTally } from "../support/faults/faultTally.js";
import { superviseAgent } from "../support/faults/supervisor.js";
import { createWorkload } from "../support/faults/workload.js";

const SCENARIO = "kill -9 during a burst";
const KILLS = 4;

describe(SCENARIO, () => {
  const context = faultContext(SCENARIO);
  afterAll(() => context.cleanup());

  it("given 8 callers adding and deleting, when the agent is SIGKILLed at random instants, then no acknowledgement is lost and the restarted agent serves", async () => {
    ensureBuilt();
    const dataDir = context.tempDir("burst");
    const socketPath = join(dataDir, "agent.sock");
    const supervisor = superviseAgent({ dataDir, socketPath, node: "fault-burst" });
    const workload = createWorkload({ socketPath, random: context.random, ipam: { range: "10.81.0.0/20" }, network: "fault-burst" });
    const tally = startTally({ scenario: SCENARIO, resultsFile: context.resultsFile, dataDir, workload, recoveryBoundMs: 30_000 });
    try {
      await supervisor.waitServing(30_000);
      for (let kill = 0; kill < KILLS; kill += 1) {
        // The burst runs through the kill and the restart: calls meet a dead socket, then a starting agent.
        const burstMs = context.between(2_000, 4_000);
        const killAt = context.between(200, burstMs - 500);
        await Promise.all([workload.burstFor(burstMs), sleep(killAt).then(() => supervisor.kill9())]);
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
    expect(workload.calls().failed, "the kills made some calls fail").toBeGreaterThan(0);
  });
});
