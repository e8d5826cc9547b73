import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { faultContext } from "../support/faults/faultContext.js";
import { startTally } from "../support/faults/faultTally.js";
import { canMount, mountTmpfs, remount, unmount } from "../support/faults/mounts.js";
import { superviseAgent, type Supervisor } from "../support/faults/supervisor.js";
import { createWorkload } from "../support/faults/workload.js";
import { ensureBuilt } from "../support/kafka/kafkaAgentProcess.js";

const SCENARIO = "read-only data directory";
const RUNS = 2;

describe(SCENARIO, () => {
  const context = faultContext(SCENARIO);
  let mounted: string | undefined;
  afterAll(() => {
    if (mounted) unmount(mounted);
    context.cleanup();
  });

  it("given an agent killed mid-burst, when its data directory comes back read-only, then it refuses to start (never ready), and once writable again it serves by itself", async () => {
    ensureBuilt();
    expect(canMount(), "the fault suite runs as root (it mounts a tmpfs), as .ci/run does").toBe(true);
    const dataDir = context.tempDir("readonly");
    mountTmpfs(dataDir, 64);
    mounted = dataDir;
    // As on a node: the socket lives in /run, the data in /var/lib; only the data directory turns read-only.
    const socketPath = join(context.tempDir("readonly-socket"), "agent.sock");
    const start = () => superviseAgent({ dataDir, socketPath, node: "fault-readonly" });
    let supervisor: Supervisor = start();
    const workload = createWorkload({ socketPath, random: context.random, ipam: { range: "10.85.0.0/20" }, network: "fault-readonly" });
    const tally = startTally({ scenario: SCENARIO, resultsFile: context.resultsFile, dataDir, workload, recoveryBoundMs: 30_000 });
    const readOnlyStarts: { served: number; exited: string[] }[] = [];
    try {
      await supervisor.waitServing(30_000);
      for (let run = 0; run < RUNS; run += 1) {
        let readOnly = false;
        await Promise.all([
          workload.burst(() => readOnly),
          (async () => {
            await sleep(context.between(1_000, 2_000));
            // A node that crashed and came back with its disk read-only (Linux refuses the remount while the agent writes).
            await supervisor.stop({ kill: true });
            remount(dataDir, "ro");
            readOnly = true;
            supervisor = start();
          })(),
        ]);
        await workload.burstFor(context.between(3_000, 4_000));
        readOnlyStarts.push({ served: supervisor.counts.served, exited: supervisor.failedStarts.map((failure) => failure.message) });
        remount(dataDir, "rw");
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
    for (const attempt of readOnlyStarts) {
      expect(attempt.served, `an agent reported ready on a read-only data directory:\n${attempt.exited.join("\n")}`).toBe(0);
      expect(attempt.exited.length, "the agent exits at start on a read-only data directory (the restart loop sees it fail)").toBeGreaterThan(0);
    }
  });
});
