import { spawn } from "node:child_process";
import { once } from "node:events";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { AGENT_BIN, REPO_ROOT } from "../support/e2e/repoPaths.js";
import { faultContext } from "../support/faults/faultContext.js";
import { startTally } from "../support/faults/faultTally.js";
import { superviseAgent, type Supervisor } from "../support/faults/supervisor.js";
import { createWorkload } from "../support/faults/workload.js";
import { ensureBuilt } from "../support/kafka/kafkaAgentProcess.js";

const RUNS = 2;

/** `ipledger replay` on a stopped agent's data directory, SIGKILLed after `killAfterMs` unless it ended first. */
async function replayKilledAfter(dataDir: string, killAfterMs: number): Promise<{ killed: boolean; ms: number; output: string }> {
  const started = Date.now();
  const child = spawn(process.execPath, [AGENT_BIN, "replay", "--data-dir", dataDir, "--socket", join(dataDir, "agent.sock")], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  const timer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
  const [code, signal] = await exited;
  clearTimeout(timer);
  if (signal === null && code !== 0) throw new Error(`replay exited with ${code}: ${output}`);
  return { killed: signal === "SIGKILL", ms: Date.now() - started, output };
}

describe.each([
  { scenario: "kill -9 during replay", fault: "replay" },
  { scenario: "kill -9 during a projection rebuild", fault: "rebuild" },
] as const)("$scenario", ({ scenario, fault }) => {
  const context = faultContext(scenario);
  afterAll(() => context.cleanup());

  it(`given a log of several hundred events, when the ${fault} is SIGKILLed at a random instant, then the restarted agent serves the same acknowledged state`, async () => {
    ensureBuilt();
    const dataDir = context.tempDir(fault);
    const socketPath = join(dataDir, "agent.sock");
    const start = () => superviseAgent({ dataDir, socketPath, node: `fault-${fault}` });
    let supervisor: Supervisor = start();
    const workload = createWorkload({ socketPath, random: context.random, ipam: { range: "10.82.0.0/20" }, network: `fault-${fault}` });
    const tally = startTally({ scenario, resultsFile: context.resultsFile, dataDir, workload, recoveryBoundMs: 30_000 });
    let hits = 0;
    try {
      await supervisor.waitServing(30_000);
      await workload.burstFor(3_000);
      // The first, unkilled rebuild measures how long one takes; the kills land inside that span.
      let spanMs = 0;
      for (let run = 0; run <= RUNS; run += 1) {
        await supervisor.stop();
        const killAfterMs = run === 0 ? 120_000 : context.between(Math.floor(spanMs * 0.1), Math.max(spanMs, 200));
        if (fault === "replay") {
          const replay = await replayKilledAfter(dataDir, killAfterMs);
          if (run === 0) spanMs = replay.ms;
          if (replay.killed) hits += 1;
          supervisor = start();
        } else {
          for (const suffix of ["", "-wal", "-shm"]) rmSync(join(dataDir, `projection.db${suffix}`), { force: true });
          const started = Date.now();
          supervisor = start();
          if (run === 0) {
            await supervisor.waitServing(60_000);
            spanMs = Date.now() - started;
          } else {
            await sleep(killAfterMs);
            if (supervisor.serving() === undefined) hits += 1;
            supervisor.kill9();
          }
        }
        if (run > 0) await tally.afterFault(supervisor);
        await workload.burstFor(500);
      }
    } catch (error) {
      await supervisor.stop({ kill: true });
      throw error;
    }
    const findings = await tally.finish(supervisor);
    console.info(`[faults] ${scenario}: ${hits} of ${RUNS} kills landed before the ${fault} finished`);
    expect(findings.unrecovered).toEqual([]);
    expect(findings.lost).toEqual([]);
    expect(findings.duplicates).toEqual([]);
    expect(findings.verify.status, findings.verify.output).toBe(0);
    expect(hits, `at least one kill landed inside the ${fault}`).toBeGreaterThan(0);
  });
});
