import { join } from "node:path";
import { afterAll, describe, it } from "vitest";
import { faultContext } from "../support/faults/faultContext.js";
import { expectKeptPromises, runFaultScenario } from "../support/faults/faultScenario.js";
import { holdWriteLock } from "../support/agent/sqliteLockHolder.js";

const SCENARIO = "locked projection";
const RUNS = 2;

describe(SCENARIO, () => {
  const context = faultContext(SCENARIO);
  afterAll(() => context.cleanup());

  it("given a burst, when another process holds the write lock on projection.db for seconds, then after it lets go the agent serves again by itself with no acknowledgement lost", async () => {
    const findings = await runFaultScenario(
      context,
      { scenario: SCENARIO, purpose: "locked", range: "10.83.0.0/20" },
      async (run) => {
        for (let lock = 0; lock < RUNS; lock += 1) {
          await run.workload.burstFor(context.between(500, 1_500));
          // The burst goes on through the lock: the agent's projection writes wait, fail, or retry.
          const held = await holdWriteLock(join(run.dataDir, "projection.db"), context.between(5_000, 8_000));
          let released = false;
          await Promise.all([run.workload.burst(() => released), held.released.then(() => (released = true))]);
          await run.tally.afterFault(run.supervisor);
        }
      },
    );
    expectKeptPromises(findings);
  });
});
