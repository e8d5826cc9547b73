import { join } from "node:path";
import { expect } from "vitest";
import { ensureBuilt } from "../kafka/kafkaAgentProcess.js";
import type { FaultContext } from "./faultContext.js";
import { startTally, type FaultFindings, type FaultTally } from "./faultTally.js";
import { canMount, mountTmpfs, unmount } from "./mounts.js";
import { superviseAgent, type Supervisor, type SupervisorOptions } from "./supervisor.js";
import { createWorkload, type Workload } from "./workload.js";

/** What a scenario's body works with: the data directory, the supervised agent, the pods and the tally. */
export interface ScenarioRun {
  readonly dataDir: string;
  readonly socketPath: string;
  readonly workload: Workload;
  readonly tally: FaultTally;
  /** The restart loop now running (a body that stops and starts it gets a new one). */
  readonly supervisor: Supervisor;
  /** Ends the restart loop and its agent (SIGTERM, or SIGKILL with `{ kill: true }`). */
  stopAgent(options?: { kill?: boolean }): Promise<void>;
  /** Starts a new restart loop on the same data directory and socket. */
  startAgent(): Supervisor;
}

export interface ScenarioOptions {
  readonly scenario: string;
  /** A word for the temp dirs and the agent's node name. */
  readonly purpose: string;
  /** The pods' range, one per scenario so failures are easy to tell apart. */
  readonly range: string;
  /** Mount a tmpfs of this many MiB as the data directory (needs root). */
  readonly tmpfsMiB?: number;
  /** Put the socket outside the data directory, as on a node (/run vs /var/lib). */
  readonly socketOutside?: boolean;
  /** Extra agent arguments (a Kafka log, an append timeout). */
  readonly agentArgs?: readonly string[];
  /** Extra `ipledger verify` arguments (the same Kafka log). */
  readonly verifyArgs?: readonly string[];
  readonly recoveryBoundMs?: number;
  readonly readyTimeoutMs?: number;
}

/**
 * Runs one fault scenario against the real agent under a restart loop: sets up the data
 * directory (a tmpfs if asked), starts the loop and the pods, hands them to `body` (which injects
 * the faults and calls `tally.afterFault` after each), then stops the agent, checks the
 * invariants and `ipledger verify`, and records the table row.
 *
 * @example const findings = await runFaultScenario(context, { scenario, purpose: "burst", range: "10.81.0.0/20" }, async (run) => { … });
 */
export async function runFaultScenario(
  context: FaultContext,
  options: ScenarioOptions,
  body: (run: ScenarioRun) => Promise<void>,
): Promise<FaultFindings> {
  ensureBuilt();
  const dataDir = context.tempDir(options.purpose);
  if (options.tmpfsMiB !== undefined) {
    expect(canMount(), "the fault suite runs as root (it mounts a tmpfs), as .ci/run does").toBe(true);
    mountTmpfs(dataDir, options.tmpfsMiB);
    context.onCleanup(() => unmount(dataDir));
  }
  const socketPath = join(options.socketOutside ? context.tempDir(`${options.purpose}-socket`) : dataDir, "agent.sock");
  const agentOptions: SupervisorOptions = {
    dataDir,
    socketPath,
    node: `fault-${options.purpose}`,
    extraArgs: options.agentArgs ?? [],
    readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
  };
  let supervisor = superviseAgent(agentOptions);
  const workload = createWorkload({
    socketPath,
    random: context.random,
    ipam: { range: options.range },
    network: `fault-${options.purpose}`,
  });
  const bound = options.recoveryBoundMs ?? 30_000;
  const tally = startTally({
    scenario: options.scenario,
    resultsFile: context.resultsFile,
    dataDir,
    workload,
    recoveryBoundMs: bound,
  });
  const run: ScenarioRun = {
    dataDir,
    socketPath,
    workload,
    tally,
    get supervisor() {
      return supervisor;
    },
    stopAgent: (stopOptions) => supervisor.stop(stopOptions),
    startAgent: () => (supervisor = superviseAgent(agentOptions)),
  };
  try {
    await supervisor.waitServing(Math.max(bound, options.readyTimeoutMs ?? 0));
    await body(run);
  } catch (error) {
    await supervisor.stop({ kill: true });
    throw error;
  }
  return tally.finish(supervisor, options.verifyArgs ?? []);
}

/** The promises every scenario keeps: it served again each time, lost nothing, doubled nothing, and verify passes. */
export function expectKeptPromises(findings: FaultFindings): void {
  expect(findings.unrecovered, "the agent served again with no help but the restart loop").toEqual([]);
  expect(findings.lost, "acknowledged calls lost").toEqual([]);
  expect(findings.duplicates, "addresses with two holders").toEqual([]);
  expect(findings.verify.status, findings.verify.output).toBe(0);
}
