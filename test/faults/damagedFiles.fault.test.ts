import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { flipMiddle, truncateHalf } from "../support/faults/damage.js";
import { faultContext } from "../support/faults/faultContext.js";
import { startTally } from "../support/faults/faultTally.js";
import { superviseAgent, type Supervisor } from "../support/faults/supervisor.js";
import { createWorkload } from "../support/faults/workload.js";
import { ensureBuilt } from "../support/kafka/kafkaAgentProcess.js";

/** Waits until an agent serves, or until the restart loop has seen `exits` starts fail; says which. */
async function servesOrRefuses(supervisor: Supervisor, exits: number, timeoutMs: number): Promise<"serves" | "refuses" | "neither"> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (supervisor.serving()) return "serves";
    if (supervisor.failedStarts.length >= exits) return "refuses";
    await sleep(100);
  }
  return "neither";
}

describe.each([
  { file: "projection.db", damage: "truncated" },
  { file: "projection.db", damage: "bytes flipped" },
  { file: "ledger.db", damage: "truncated" },
  { file: "ledger.db", damage: "bytes flipped" },
] as const)("damaged $file ($damage)", ({ file, damage }) => {
  const scenario = `damaged ${file} (${damage})`;
  const context = faultContext(scenario);
  afterAll(() => context.cleanup());

  // projection.db is derived from the log: the agent must rebuild it by itself. ledger.db is the
  // record: the agent either serves it intact or refuses to start, naming the file, promptly.
  it(`given a stopped agent whose ${file} is then ${damage}, when the restart loop starts it, then it ${file === "projection.db" ? "serves the acknowledged state again" : "serves an intact log or exits naming ledger.db"}, and verify passes or names the file`, async () => {
    ensureBuilt();
    const dataDir = context.tempDir("damaged");
    const socketPath = join(dataDir, "agent.sock");
    const start = () => superviseAgent({ dataDir, socketPath, node: "fault-damage" });
    let supervisor: Supervisor = start();
    const workload = createWorkload({ socketPath, random: context.random, ipam: { range: "10.87.0.0/20" }, network: "fault-damage" });
    const tally = startTally({ scenario, resultsFile: context.resultsFile, dataDir, workload, recoveryBoundMs: 30_000 });
    let outcome: "serves" | "refuses" | "neither";
    try {
      await supervisor.waitServing(30_000);
      await workload.burstFor(2_000);
      await workload.settle(30_000);
      await supervisor.stop();
      const done = damage === "truncated" ? truncateHalf(join(dataDir, file)) : flipMiddle(join(dataDir, file), context.random, 256);
      console.info(`[faults] ${scenario}: ${done}`);
      supervisor = start();
      outcome = await servesOrRefuses(supervisor, 2, 30_000);
      if (outcome === "refuses") tally.refused(`exits naming ${file}`);
      else await tally.afterFault(supervisor);
    } catch (error) {
      await supervisor.stop({ kill: true });
      throw error;
    }
    const refusals = supervisor.failedStarts.map((failure) => failure.message);
    const findings = await tally.finish(supervisor);
    expect(findings.unrecovered).toEqual([]);
    expect(findings.duplicates).toEqual([]);
    if (outcome === "refuses") {
      expect(file, `the agent refused to start on a damaged projection, which it can rebuild from the log:\n${refusals.join("\n")}`).toBe("ledger.db");
      for (const refusal of refusals) expect(refusal, "each refusal is an exit that names the file").toMatch(/exited with [1-9][\s\S]*ledger\.db/);
      expect(findings.verify.status, findings.verify.output).not.toBe(0);
      expect(findings.verify.output, "verify names the damaged file").toContain("ledger.db");
    } else {
      expect(findings.lost).toEqual([]);
      if (findings.verify.status !== 0) expect(findings.verify.output, "verify passes or names the damaged file").toContain(file);
    }
  });
});
