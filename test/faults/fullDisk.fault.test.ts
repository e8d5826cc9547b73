import { closeSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { faultContext } from "../support/faults/faultContext.js";
import { expectKeptPromises, runFaultScenario } from "../support/faults/faultScenario.js";

const SCENARIO = "full disk";
const RUNS = 2;

/** Fills the file system holding `path` with one file until it says ENOSPC; returns the bytes written. */
function fill(path: string): number {
  const fd = openSync(path, "w");
  const chunk = Buffer.alloc(64 * 1024);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
  } finally {
    closeSync(fd);
  }
  return written;
}

describe(SCENARIO, () => {
  const context = faultContext(SCENARIO);
  afterAll(() => context.cleanup());

  it("given an agent on a 32 MiB tmpfs, when the disk fills up mid-burst and is freed again, then no acknowledgement is lost and it serves again by itself", async () => {
    let failedWhileFull = 0;
    const findings = await runFaultScenario(
      context,
      { scenario: SCENARIO, purpose: "full", range: "10.84.0.0/20", tmpfsMiB: 32 },
      async (run) => {
        const filler = join(run.dataDir, "filler");
        for (let fault = 0; fault < RUNS; fault += 1) {
          await run.workload.burstFor(context.between(1_000, 2_000));
          const failedBefore = run.workload.calls().failed;
          let full = true;
          const disk = async () => {
            fill(filler);
            await sleep(context.between(3_000, 5_000));
            failedWhileFull += run.workload.calls().failed - failedBefore;
            rmSync(filler);
            full = false;
          };
          await Promise.all([run.workload.burst(() => !full), disk()]);
          await run.tally.afterFault(run.supervisor);
        }
      },
    );
    expectKeptPromises(findings);
    expect(failedWhileFull, "the full disk made calls fail (else the scenario tested nothing)").toBeGreaterThan(0);
  });
});
