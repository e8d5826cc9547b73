import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { faultContext } from "../support/faults/faultContext.js";
import { expectKeptPromises, runFaultScenario } from "../support/faults/faultScenario.js";
import { remount } from "../support/faults/mounts.js";

const SCENARIO = "read-only data directory";
const RUNS = 2;

describe(SCENARIO, () => {
  const context = faultContext(SCENARIO);
  afterAll(() => context.cleanup());

  it("given an agent killed mid-burst, when its data directory comes back read-only, then it refuses to start (never ready), and once writable again it serves by itself", async () => {
    const readOnlyStarts: { served: number; exited: string[] }[] = [];
    // As on a node, the socket lives apart from the data (/run vs /var/lib); only the data turns read-only.
    const options = {
      scenario: SCENARIO,
      purpose: "readonly",
      range: "10.85.0.0/20",
      tmpfsMiB: 64,
      socketOutside: true,
    };
    const findings = await runFaultScenario(context, options, async (run) => {
      for (let fault = 0; fault < RUNS; fault += 1) {
        let readOnly = false;
        const crash = async () => {
          await sleep(context.between(1_000, 2_000));
          // A node that crashed and came back with its disk read-only (Linux refuses the remount while the agent writes).
          await run.stopAgent({ kill: true });
          remount(run.dataDir, "ro");
          readOnly = true;
          run.startAgent();
        };
        await Promise.all([run.workload.burst(() => readOnly), crash()]);
        await run.workload.burstFor(context.between(3_000, 4_000));
        readOnlyStarts.push({
          served: run.supervisor.counts.served,
          exited: run.supervisor.failedStarts.map((failure) => failure.message),
        });
        remount(run.dataDir, "rw");
        await run.tally.afterFault(run.supervisor);
      }
    });
    expectKeptPromises(findings);
    for (const attempt of readOnlyStarts) {
      expect(
        attempt.served,
        `an agent reported ready on a read-only data directory:\n${attempt.exited.join("\n")}`,
      ).toBe(0);
      expect(
        attempt.exited.length,
        "the agent exits at start on a read-only data directory (the restart loop sees it fail)",
      ).toBeGreaterThan(0);
    }
  });
});
