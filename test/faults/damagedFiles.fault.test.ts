import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { flipMiddle, truncateHalf } from "../support/faults/damage.js";
import { faultContext } from "../support/faults/faultContext.js";
import { runFaultScenario } from "../support/faults/faultScenario.js";
import type { Supervisor } from "../support/faults/supervisor.js";

type Outcome = "serves" | "refuses" | "neither";

/** Waits until an agent serves, or until the restart loop has seen `exits` starts fail; says which. */
async function servesOrRefuses(supervisor: Supervisor, exits: number, timeoutMs: number): Promise<Outcome> {
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
    const seen: { outcome: Outcome; refusals: string[] } = { outcome: "neither", refusals: [] };
    const findings = await runFaultScenario(
      context,
      { scenario, purpose: "damaged", range: "10.87.0.0/20" },
      async (run) => {
        await run.workload.burstFor(2_000);
        await run.workload.settle(30_000);
        await run.stopAgent();
        const path = join(run.dataDir, file);
        console.info(
          `[faults] ${scenario}: ${damage === "truncated" ? truncateHalf(path) : flipMiddle(path, context.random, 256)}`,
        );
        const supervisor = run.startAgent();
        seen.outcome = await servesOrRefuses(supervisor, 2, 30_000);
        seen.refusals = supervisor.failedStarts.map((failure) => failure.message);
        if (seen.outcome === "refuses") run.tally.refused(`exits naming ${file}`);
        else await run.tally.afterFault(supervisor);
      },
    );
    expect(findings.duplicates).toEqual([]);
    if (seen.outcome === "refuses") {
      expect(
        file,
        `the agent refused to start on a damaged projection, which it can rebuild from the log:\n${seen.refusals.join("\n")}`,
      ).toBe("ledger.db");
      for (const refusal of seen.refusals)
        expect(refusal, "each refusal is an exit that names the file").toMatch(/exited with [1-9][\s\S]*ledger\.db/);
      expect(findings.verify.status, findings.verify.output).not.toBe(0);
      expect(findings.verify.output, "verify names the damaged file").toContain("ledger.db");
    } else {
      expect(findings.unrecovered).toEqual([]);
      expect(findings.lost).toEqual([]);
      if (findings.verify.status !== 0)
        expect(findings.verify.output, "verify passes or names the damaged file").toContain(file);
    }
  });
});
