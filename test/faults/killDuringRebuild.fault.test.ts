import { spawn } from "node:child_process";
import { once } from "node:events";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { AGENT_BIN, REPO_ROOT } from "../support/e2e/repoPaths.js";
import { faultContext } from "../support/faults/faultContext.js";
import { expectKeptPromises, runFaultScenario } from "../support/faults/faultScenario.js";

const RUNS = 2;

/** `ipledger replay` on a stopped agent's data directory, SIGKILLed after `killAfterMs` unless it ended first. */
async function replayKilledAfter(
  dataDir: string,
  socketPath: string,
  killAfterMs: number,
): Promise<{ killed: boolean; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, [AGENT_BIN, "replay", "--data-dir", dataDir, "--socket", socketPath], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  const timer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
  const [code, signal] = await exited;
  clearTimeout(timer);
  if (signal === null && code !== 0) throw new Error(`replay exited with ${code}: ${output}`);
  return { killed: signal === "SIGKILL", ms: Date.now() - started };
}

describe.each([
  { scenario: "kill -9 during replay", fault: "replay", range: "10.82.0.0/20" },
  { scenario: "kill -9 during a projection rebuild", fault: "rebuild", range: "10.82.16.0/20" },
] as const)("$scenario", ({ scenario, fault, range }) => {
  const context = faultContext(scenario);
  afterAll(() => context.cleanup());

  it(`given a log of several hundred events, when the ${fault} is SIGKILLed at a random instant, then the restarted agent serves the same acknowledged state`, async () => {
    let hits = 0;
    const findings = await runFaultScenario(context, { scenario, purpose: fault, range }, async (run) => {
      await run.workload.burstFor(3_000);
      // The first, unkilled rebuild measures how long one takes; the kills land inside that span.
      let spanMs = 0;
      for (let round = 0; round <= RUNS; round += 1) {
        await run.stopAgent();
        const killAfterMs = round === 0 ? 120_000 : context.between(Math.floor(spanMs * 0.1), Math.max(spanMs, 200));
        if (fault === "replay") {
          const replay = await replayKilledAfter(run.dataDir, run.socketPath, killAfterMs);
          if (round === 0) spanMs = replay.ms;
          if (replay.killed) hits += 1;
          run.startAgent();
        } else {
          for (const suffix of ["", "-wal", "-shm"])
            rmSync(join(run.dataDir, `projection.db${suffix}`), { force: true });
          const started = Date.now();
          const supervisor = run.startAgent();
          if (round === 0) {
            await supervisor.waitServing(60_000);
            spanMs = Date.now() - started;
          } else {
            await sleep(killAfterMs);
            if (supervisor.serving() === undefined) hits += 1;
            supervisor.kill9();
          }
        }
        if (round > 0) await run.tally.afterFault(run.supervisor);
        await run.workload.burstFor(500);
      }
    });
    console.info(`[faults] ${scenario}: ${hits} of ${RUNS} kills landed before the ${fault} finished`);
    expectKeptPromises(findings);
    expect(hits, `at least one kill landed inside the ${fault}`).toBeGreaterThan(0);
  });
});
