import { checkServedState, projectionViolations, runVerify } from "./faultChecks.js";
import { recordRow, type FaultRow } from "./faultTable.js";
import type { Supervisor } from "./supervisor.js";
import type { Workload } from "./workload.js";

/** Everything one scenario found, for its assertions; the same numbers go into the table. */
export interface FaultFindings {
  readonly runs: number;
  readonly lost: string[];
  readonly duplicates: string[];
  /** Faults after which no agent served a fresh ADD within the bound, with the reason. */
  readonly unrecovered: string[];
  /** The slowest time from the end of a fault to the first ADD served again. */
  readonly slowestRecoveryMs: number;
  readonly verify: { status: number | null; output: string };
}

/** Counts one scenario's faults, checks the state after each, and records the table row at the end. */
export interface FaultTally {
  /**
   * After a fault has ended: waits (within the bound) until the restart loop has an agent that
   * answers a fresh ADD, then checks every acknowledged call against the served allocations.
   */
  afterFault(supervisor: Supervisor): Promise<void>;
  /**
   * A fault after which the agent refused to serve and said why (a damaged log): counted as a
   * run that needs an operator, with no state to check.
   */
  refused(note: string): void;
  /** Stops the loop, runs the invariants on projection.db and `ipledger verify`, and records the row. */
  finish(supervisor: Supervisor, verifyArgs?: readonly string[]): Promise<FaultFindings>;
}

export interface TallyOptions {
  readonly scenario: string;
  readonly resultsFile: string;
  readonly dataDir: string;
  readonly workload: Workload;
  /** How long the agent may take to serve again after a fault ends. */
  readonly recoveryBoundMs: number;
}

/** @example const tally = startTally({ scenario: "kill -9 during a burst", resultsFile, dataDir, workload, recoveryBoundMs: 30_000 }); */
export function startTally(options: TallyOptions): FaultTally {
  let runs = 0;
  let slowest = 0;
  const lost: string[] = [];
  const duplicates: string[] = [];
  const unrecovered: string[] = [];
  const refusals: string[] = [];

  return {
    async afterFault(supervisor) {
      runs += 1;
      const started = Date.now();
      try {
        await supervisor.waitServing(options.recoveryBoundMs);
        const served = await options.workload.probeAdd(
          Math.max(1_000, options.recoveryBoundMs - (Date.now() - started)),
        );
        if (served === undefined) throw new Error(`no fresh ADD was answered 0 within ${options.recoveryBoundMs} ms`);
        slowest = Math.max(slowest, Date.now() - started);
        const state = await checkServedState(supervisor, options.workload);
        lost.push(...state.lost);
        duplicates.push(...state.duplicates);
      } catch (error) {
        const last = supervisor.failedStarts.at(-1)?.message.slice(-1_500) ?? "none";
        unrecovered.push(
          `fault ${runs}: ${(error as Error).message} (restart loop: ${JSON.stringify(supervisor.counts)}; last failed start: ${last})`,
        );
      }
    },
    refused(note) {
      runs += 1;
      refusals.push(note);
    },
    async finish(supervisor, verifyArgs = []) {
      await supervisor.stop();
      try {
        duplicates.push(...projectionViolations(options.dataDir));
      } catch (error) {
        // The agent served, yet left a projection that cannot be read: it did not repair it.
        unrecovered.push(`projection.db cannot be read after the run: ${(error as Error).message}`);
      }
      const verify = await runVerify(options.dataDir, verifyArgs);
      const row: FaultRow = {
        scenario: options.scenario,
        runs,
        acknowledged: options.workload.acknowledged(),
        lost: refusals.length === runs && runs > 0 ? "n/a" : lost.length,
        duplicates: duplicates.length,
        recovered: recoveredText(runs, slowest, unrecovered, refusals),
      };
      recordRow(options.resultsFile, row);
      return { runs, lost, duplicates, unrecovered, slowestRecoveryMs: slowest, verify };
    },
  };
}

function recoveredText(
  runs: number,
  slowestMs: number,
  unrecovered: readonly string[],
  refusals: readonly string[],
): string {
  if (unrecovered.length > 0) return `no (${unrecovered.length} of ${runs})`;
  if (refusals.length > 0) return `refused: ${[...new Set(refusals)].join("; ")}`;
  return `yes (≤ ${(slowestMs / 1000).toFixed(1)} s)`;
}
