import { closeSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { faultContext } from "../support/faults/faultContext.js";
import { startTally } from "../support/faults/faultTally.js";
import { canMount, mountTmpfs, unmount } from "../support/faults/mounts.js";
import { superviseAgent } from "../support/faults/supervisor.js";
import { createWorkload } from "../support/faults/workload.js";
import { ensureBuilt } from "../support/kafka/kafkaAgentProcess.js";

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
  let mounted: string | undefined;
  afterAll(() => {
    if (mounted) unmount(mounted);
    context.cleanup();
  });

  it("given an agent on a 32 MiB tmpfs, when the disk fills up mid-burst and is freed again, then no acknowledgement is lost and it serves again by itself", async () => {
    ensureBuilt();
    expect(canMount(), "the fault suite runs as root (it mounts a tmpfs), as .ci/run does").toBe(true);
    const dataDir = context.tempDir("full");
    mountTmpfs(dataDir, 32);
    mounted = dataDir;
    const socketPath = join(dataDir, "agent.sock");
    const supervisor = superviseAgent({ dataDir, socketPath, node: "fault-full" });
    const workload = createWorkload({ socketPath, random: context.random, ipam: { range: "10.84.0.0/20" }, network: "fault-full" });
    const tally = startTally({ scenario: SCENARIO, resultsFile: context.resultsFile, dataDir, workload, recoveryBoundMs: 30_000 });
    const filler = join(dataDir, "filler");
    let failedWhileFull = 0;
    try {
      await supervisor.waitServing(30_000);
      for (let run = 0; run < RUNS; run += 1) {
        await workload.burstFor(context.between(1_000, 2_000));
        const failedBefore = workload.calls().failed;
        let full = true;
        await Promise.all([
          workload.burst(() => !full),
          (async () => {
            fill(filler);
            await new Promise((resolve) => setTimeout(resolve, context.between(3_000, 5_000)));
            failedWhileFull += workload.calls().failed - failedBefore;
            rmSync(filler);
            full = false;
          })(),
        ]);
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
    expect(failedWhileFull, "the full disk made calls fail (else the scenario tested nothing)").toBeGreaterThan(0);
  });
});
