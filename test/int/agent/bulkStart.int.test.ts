import { spawn } from "node:child_process";
import { once } from "node:events";
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventLog } from "../../../ledger/log/eventLog.js";
import { openSqliteEventLog } from "../../../ledger/log/sqliteEventLog.js";
import { replayLog } from "../../../projections/replay.js";
import { dumpProjection, firstDifference } from "../../../projections/sqlite/projectionDump.js";
import { openSqliteProjection } from "../../../projections/sqlite/sqliteProjection.js";
import { LOG_FILE, PROJECTION_FILE, startAgent } from "../../../src/agent.js";
import { generateChurn } from "../../../src/generate/churnGenerator.js";
import { expectLedgerSound, httpJson, type ResultIp } from "../../support/agent/agentCalls.js";
import { freshDir } from "../../support/agent/agentFiles.js";
import { cniBody } from "../../support/agent/cniBodies.js";
import { requireBuilt, REPO_ROOT } from "../../support/builtDist.js";
import { seededRandom } from "../../support/seededRandom.js";
import { foldLog, stateText } from "../../support/snapshots/foldLog.js";

/**
 * An agent whose projection is empty loads the log in bulk into a temp file and renames it over
 * (src/projectionBulkStart.ts). Real SQLite files, a log written by the generator through the real
 * decider; the crash case SIGKILLs the built CLI agent (dist/, as `npm test` builds it).
 */
const EVENTS = 20_000;
/** Set BULK_CRASH_SEED to replay one run's kill delays. */
const SEED = Number(process.env["BULK_CRASH_SEED"] ?? Math.floor(Math.random() * 2 ** 31));

describe("agent start on an empty projection", () => {
  let dir: string;
  let generated: string;
  beforeAll(async () => {
    dir = freshDir("ipledger-bulkstart-");
    generated = join(dir, "generated.db");
    const log = openSqliteEventLog({ path: generated });
    await generateChurn(log, { events: EVENTS, pools: 8, seed: 15 });
    await log.close();
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const dataDirWithLog = (name: string): string => {
    const data = join(dir, name);
    mkdirSync(data, { mode: 0o700 });
    copyFileSync(generated, join(data, LOG_FILE));
    return data;
  };

  /** The projection must equal a fresh bulk replay of the same log and pass the invariants. */
  async function expectEqualsReplay(data: string): Promise<void> {
    const log = openSqliteEventLog({ path: join(data, LOG_FILE) });
    const projection = openSqliteProjection(join(data, PROJECTION_FILE));
    const fresh = openSqliteProjection(join(dir, `${data.split("/").pop()}-replay.db`));
    try {
      await replayLog(log, fresh);
      expect(firstDifference(dumpProjection(projection.db), dumpProjection(fresh.db))).toBeUndefined();
      await expectLedgerSound(log, projection);
    } finally {
      fresh.close();
      projection.close();
      await log.close();
    }
  }

  it("given a generated log of 20k events and no projection, when the agent starts, then it loads in bulk, serves, and its projection equals a replay", async () => {
    const data = dataDirWithLog("fresh");
    const agent = await startAgent({ dataDir: data, socket: join(dir, "fresh.sock"), node: "node-bulk", quiet: true });
    try {
      expect(agent.bulkLoaded).toBeGreaterThanOrEqual(EVENTS);
      expect((await httpJson({ socketPath: agent.socketPath }, "GET", "/readyz")).status).toBe(200);
      expect((await httpJson({ socketPath: agent.socketPath }, "GET", "/healthz")).status).toBe(200);
      const log = openSqliteEventLog({ path: join(data, LOG_FILE) });
      try {
        expect(stateText(agent.runner.state)).toBe(stateText((await foldLog(log)).state));
      } finally {
        await log.close();
      }
      const reply = await httpJson({ socketPath: agent.socketPath }, "POST", "/v1/cni/add", {
        body: cniBody({ pod: { name: "after-bulk" }, ipam: { range: "10.16.4.0/22", network_name: "net-1" } }),
      });
      expect(reply.status).toBe(200);
      expect((reply.body.ips as ResultIp[])[0]?.address).toMatch(/^10\.16\.[4-7]\.\d+\/22$/);
    } finally {
      await agent.close();
    }
    expect(statSync(join(data, PROJECTION_FILE)).mode & 0o777).toBe(0o600);
    expect(readdirSync(data).filter((name) => name.includes(".loading"))).toEqual([]);
    await expectEqualsReplay(data); // the bulk rows, then the ADD written by the live path
  }, 300_000);

  it("given a log below the threshold, then the agent folds it the live way (no bulk load)", async () => {
    const data = dataDirWithLog("small");
    const agent = await startAgent({
      dataDir: data,
      socket: join(dir, "small.sock"),
      node: "node-bulk",
      quiet: true,
      bulkStartMinEvents: EVENTS * 10,
    });
    try {
      expect(agent.bulkLoaded).toBeUndefined();
    } finally {
      await agent.close();
    }
    await expectEqualsReplay(data);
  }, 300_000);

  it("given a log read that never answers during the bulk load (a wedged log), then the start fails with LOG_UNAVAILABLE after the stall bound and leaves the projection empty", async () => {
    const data = dataDirWithLog("wedged");
    const real = openSqliteEventLog({ path: join(data, LOG_FILE) });
    let reads = 0;
    // Fault injection over the real log: the second read of the load hangs, as a wedged broker connection would.
    const wedged: EventLog = {
      ...real,
      read: (partition, fromOffset, limit) =>
        (reads += 1) === 2 ? new Promise<never>(() => undefined) : real.read(partition, fromOffset, limit),
    };
    const failure = await startAgent({
      dataDir: data,
      socket: join(dir, "wedged.sock"),
      node: "node-bulk",
      quiet: true,
      stallBoundMs: 2_000,
      log: wedged,
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({
      code: "LOG_UNAVAILABLE",
      message: expect.stringMatching(/has not answered in 2 s/),
    });
    expect(readdirSync(data).filter((name) => name.includes(".loading"))).toEqual([]);
    const projection = openSqliteProjection(join(data, PROJECTION_FILE));
    try {
      expect(projection.checkpoints()).toEqual([]);
    } finally {
      projection.close();
    }
  }, 300_000);

  it("given the CLI agent SIGKILLed at random instants of its bulk load, then the projection is always the old empty one or the complete one, and a restart serves a replay's projection", async () => {
    const bin = requireBuilt("dist/src/cli/bin.js");
    const data = dataDirWithLog("killed");
    const random = seededRandom(SEED);
    const outcomes: string[] = [];
    for (let round = 0; round < 4; round += 1) {
      // Only rounds that leave the projection empty test the load again: start over if one finished.
      rmSync(join(data, PROJECTION_FILE), { force: true });
      const child = spawn(
        process.execPath,
        [bin, "agent", "--data-dir", data, "--socket", join(dir, "killed.sock"), "--node", "node-bulk"],
        { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "pipe"] },
      );
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
      const exited = once(child, "exit");
      const delayMs = 300 + Math.floor(random() * 7_000); // the load takes 2–5 s here: some kills land after it
      await sleep(delayMs);
      expect(child.exitCode, `seed ${SEED}: the agent exited by itself:\n${stderr}`).toBeNull();
      child.kill("SIGKILL");
      await exited;
      const projection = openSqliteProjection(join(data, PROJECTION_FILE));
      try {
        expect(projection.db.pragma("quick_check", { simple: true })).toBe("ok");
        const reached = projection.checkpoints().reduce((sum, checkpoint) => sum + checkpoint.nextOffset, 0);
        expect([0, EVENTS], `seed ${SEED}, kill after ${delayMs} ms`).toContain(reached);
        if (reached === 0) expect(projection.db.prepare("SELECT count(*) FROM events").pluck().get()).toBe(0);
        const midLoad = existsSync(join(data, `${PROJECTION_FILE}.loading`));
        outcomes.push(
          `${delayMs} ms: ${reached === 0 ? "empty" : "complete"}${midLoad ? " (temp file left: killed mid-load)" : ""}`,
        );
      } finally {
        projection.close();
      }
    }
    // The last kill may have left a temp file: the next start sweeps it and loads again.
    rmSync(join(data, PROJECTION_FILE), { force: true });
    const agent = await startAgent({ dataDir: data, socket: join(dir, "killed.sock"), node: "node-bulk", quiet: true });
    try {
      expect(agent.bulkLoaded).toBe(EVENTS);
      expect((await httpJson({ socketPath: agent.socketPath }, "GET", "/readyz")).status).toBe(200);
    } finally {
      await agent.close();
    }
    expect(existsSync(join(data, `${PROJECTION_FILE}.loading`))).toBe(false);
    await expectEqualsReplay(data);
    expect(outcomes).toHaveLength(4);
    console.info(`bulk-load kills (seed ${SEED}): ${outcomes.join("; ")}`);
  }, 600_000);
});
