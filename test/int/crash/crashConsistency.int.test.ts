import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { REPO_ROOT } from "../../support/repoRoot.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteEventLog } from "../../../ledger/log/sqliteEventLog.js";
import { checkInvariants } from "../../../projections/invariants.js";
import { replayLog } from "../../../projections/replay.js";
import { requireBuilt } from "../../support/builtDist.js";
import { createProjectionRunner } from "../../../projections/runner.js";
import { dumpProjection, firstDifference } from "../../../projections/sqlite/projectionDump.js";
import { openSqliteProjection } from "../../../projections/sqlite/sqliteProjection.js";
import { verifyLedger } from "../../../projections/verifyLedger.js";
import { seededRandom as seeded } from "../../support/seededRandom.js";

/**
 * Crash consistency (DESIGN.md, Projections: "a crash at any point leaves a state equal to a
 * fresh replay"). A child process appends to the SQLite log and projects into SQLite as fast as
 * it can, and is SIGKILLed at a random instant, round after round on one data directory, so
 * each round resumes from what the killed one left. The child runs from the build (`npm run
 * build`), because Node 20 cannot run TypeScript children.
 */

const WORKER = join(REPO_ROOT, "dist", "test", "support", "crash", "crashWorker.js");
const ROUNDS = 10;
const MAX_ROUNDS = 12;
/** Set CRASH_SEED to replay one run's kill delays and the workers' choices. */
const SEED = Number(process.env["CRASH_SEED"] ?? Math.floor(Math.random() * 2 ** 31));

/** The worker runs from `dist/` as `npm test` built it; see `requireBuilt` for why tests never build. */
function build(): void {
  requireBuilt("dist/test/support/crash/crashWorker.js");
}

interface Round {
  readonly delayMs: number;
  readonly ready: boolean;
  readonly events: number;
  readonly projected: number;
}

/**
 * Spawns the worker, SIGKILLs it after `delayMs` (counted from the spawn, or with `afterReady` from
 * its "ready" line), and says whether it had started serving.
 */
async function killAfter(
  dataDir: string,
  seed: number,
  delayMs: number,
  afterReady = false,
): Promise<{ ready: boolean }> {
  const child = spawn(process.execPath, [WORKER, dataDir, String(seed)], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  if (afterReady) {
    // A loaded machine may start the worker slower than every kill delay: wait for it to serve.
    for (let waited = 0; !stdout.startsWith("ready") && child.exitCode === null && waited < 30_000; waited += 20)
      await sleep(20);
  }
  await sleep(delayMs);
  if (child.exitCode !== null)
    throw new Error(`the worker exited by itself with code ${child.exitCode} before the kill:\n${stderr}`);
  child.kill("SIGKILL");
  const [code, signal] = await exited;
  expect({ code, signal, stderr }).toEqual({ code: null, signal: "SIGKILL", stderr: "" });
  return { ready: stdout.startsWith("ready") };
}

/** What must hold after every kill, checked with fresh connections as a restarted agent would. */
async function expectConsistent(dataDir: string): Promise<{ events: number; projected: number }> {
  const log = openSqliteEventLog({ path: join(dataDir, "ledger.db") });
  const projection = openSqliteProjection(join(dataDir, "projection.db"));
  try {
    const report = await verifyLedger(log, projection);
    expect(report.problem).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(checkInvariants(projection.db)).toEqual([]);
    const ends = await log.endOffsets();
    for (const checkpoint of projection.checkpoints()) {
      expect(checkpoint.nextOffset, `checkpoint of partition ${checkpoint.partition}`).toBeLessThanOrEqual(
        ends.get(checkpoint.partition) ?? 0,
      );
      const [last] = await log.read(checkpoint.partition, checkpoint.nextOffset - 1, 1);
      expect(checkpoint.headHash, `head hash of partition ${checkpoint.partition}`).toBe(last?.event.hash);
    }
    return {
      events: [...ends.values()].reduce((sum, end) => sum + end, 0),
      projected: projection.checkpoints().reduce((sum, checkpoint) => sum + checkpoint.nextOffset, 0),
    };
  } finally {
    projection.close();
    await log.close();
  }
}

/** A fresh runner catches up; the projection must then equal a full replay into an empty file. */
async function expectCatchUpEqualsReplay(dataDir: string): Promise<number> {
  const log = openSqliteEventLog({ path: join(dataDir, "ledger.db") });
  const projection = openSqliteProjection(join(dataDir, "projection.db"));
  const fresh = openSqliteProjection(join(dataDir, "replay.db"));
  try {
    const errors: unknown[] = [];
    const runner = createProjectionRunner({ log, projection, onError: (error) => errors.push(error) });
    await runner.start();
    await runner.waitForCatchUp(20_000);
    await runner.stop();
    expect(errors).toEqual([]);
    expect(runner.chainBreaks()).toEqual([]);
    const { events } = await replayLog(log, fresh);
    expect(firstDifference(dumpProjection(projection.db), dumpProjection(fresh.db))).toBeUndefined();
    const ends = await log.endOffsets();
    const checkpoints = new Map(
      projection.checkpoints().map((checkpoint) => [checkpoint.partition, checkpoint.nextOffset]),
    );
    for (const [partition, end] of ends)
      if (end > 0) expect(checkpoints.get(partition), `checkpoint of partition ${partition}`).toBe(end);
    const held = [...runner.state.domains.values()].reduce((sum, domain) => sum + domain.held.size, 0);
    expect((projection.db.prepare("SELECT COUNT(*) AS n FROM allocations").get() as { n: number }).n).toBe(held);
    return events;
  } finally {
    fresh.close();
    projection.close();
    await log.close();
  }
}

describe("crash consistency of the SQLite log and projection", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "ipledger-crash-"));
  beforeAll(build, 180_000);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("equals a fresh replay after every SIGKILL of a writer that appends and projects", async () => {
    const random = seeded(SEED);
    const rounds: Round[] = [];
    // At least ROUNDS kills, and more (up to MAX_ROUNDS) until three hit a worker that was serving
    // (the delay counts from the spawn, so early kills hit start-up and catch-up instead).
    while (rounds.length < ROUNDS || (rounds.filter((round) => round.ready).length < 3 && rounds.length < MAX_ROUNDS)) {
      const delayMs = 150 + Math.floor(random() * 750);
      // The rounds past ROUNDS exist to hit a serving worker: they count their delay from "ready".
      const { ready } = await killAfter(dataDir, SEED + rounds.length, delayMs, rounds.length >= ROUNDS);
      const { events, projected } = await expectConsistent(dataDir);
      rounds.push({ delayMs, ready, events, projected });
    }
    const events = await expectCatchUpEqualsReplay(dataDir);

    // The extra rounds wait for a serving worker, so at least one kill hit one.
    expect(events).toBeGreaterThan(0);
    expect(rounds.filter((round) => round.ready).length).toBeGreaterThanOrEqual(1);
    const lines = rounds.map(
      (round, index) =>
        `  kill ${index + 1} after ${round.delayMs} ms (${round.ready ? "serving" : "starting"}): log ${round.events} events, projected ${round.projected}`,
    );
    console.info(`crash consistency, seed ${SEED}: ${rounds.length} kills, ${events} events\n${lines.join("\n")}`);
  }, 90_000);
});
