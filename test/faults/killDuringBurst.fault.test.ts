import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { faultContext } from "../support/faults/faultContext.js";
import { expectKeptPromises, runFaultScenario } from "../support/faults/faultScenario.js";

const SCENARIO = "kill -9 during a burst";
const KILLS = 4;

describe(SCENARIO, () => {
  const context = faultContext(SCENARIO);
  afterAll(() => context.cleanup());

  it("given 8 callers adding and deleting, when the agent is SIGKILLed at random instants, then no acknowledgement is lost and the restarted agent serves", async () => {
    const findings = await runFaultScenario(
      context,
      { scenario: SCENARIO, purpose: "burst", range: "10.81.0.0/20" },
      async (run) => {
        for (let kill = 0; kill < KILLS; kill += 1) {
          // The burst runs through the kill and the restart: calls meet a dead socket, then a starting agent.
          const burstMs = context.between(2_000, 4_000);
          const killAt = context.between(200, burstMs - 500);
          await Promise.all([run.workload.burstFor(burstMs), sleep(killAt).then(() => run.supervisor.kill9())]);
          await run.tally.afterFault(run.supervisor);
        }
        expect(
          run.workload.calls().failed,
          "the kills made some calls fail (else the scenario tested nothing)",
        ).toBeGreaterThan(0);
      },
    );
    expectKeptPromises(findings);
  });
});
