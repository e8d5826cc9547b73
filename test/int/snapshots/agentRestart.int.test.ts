import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openSqliteEventLog } from "../../../ledger/log/sqliteEventLog.js";
import { openSqliteProjection } from "../../../projections/sqlite/sqliteProjection.js";
import { LOG_FILE, PROJECTION_FILE, SNAPSHOT_DIR, startAgent, type Agent } from "../../../src/agent.js";
import { generateChurn } from "../../../src/generate/churnGenerator.js";
import { expectLedgerSound, httpJson, type ResultIp } from "../../support/agent/agentCalls.js";
import { freshDir } from "../../support/agent/agentFiles.js";
import { cniBody } from "../../support/agent/cniBodies.js";
import { foldLog, stateText } from "../../support/snapshots/foldLog.js";

/** The real agent on a generated log: restarts from its snapshot and answers as a full fold would. */
describe("agent restart from a snapshot", () => {
  let dir: string;
  const running: Agent[] = [];
  afterEach(async () => {
    for (const agent of running.splice(0)) await agent.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const start = async (): Promise<Agent> => {
    const agent = await startAgent({
      dataDir: join(dir, "data"),
      socket: join(dir, "agent.sock"),
      node: "node-snap",
      quiet: true,
      snapshotEveryEvents: 1_000,
    });
    running.push(agent);
    return agent;
  };
  const stop = async (agent: Agent): Promise<void> => {
    running.splice(running.indexOf(agent), 1);
    await agent.close();
  };
  const fullFold = async (): Promise<string> => {
    const log = openSqliteEventLog({ path: join(dir, "data", LOG_FILE) });
    try {
      return stateText((await foldLog(log)).state);
    } finally {
      await log.close();
    }
  };
  const add = async (agent: Agent, pod: string): Promise<string> => {
    const reply = await httpJson({ socketPath: agent.socketPath }, "POST", "/v1/cni/add", {
      body: cniBody({ pod: { name: pod }, ipam: { range: "10.16.4.0/22", network_name: "net-1" } }),
    });
    expect(reply.status).toBe(200);
    return (reply.body.ips as ResultIp[])[0]!.address;
  };

  it("given a generated history, when the agent stops and starts again, then it folds only the tail after its snapshot and serves the same state", async () => {
    dir = freshDir("ipledger-snaprestart-");
    mkdirSync(join(dir, "data"), { mode: 0o700 });
    const log = openSqliteEventLog({ path: join(dir, "data", LOG_FILE) });
    await generateChurn(log, { events: 5_000, pools: 4, seed: 9 });
    await log.close();

    const first = await start();
    expect(first.startedFrom).toBeUndefined(); // nothing to start from yet
    await add(first, "before-restart");
    await stop(first); // a clean shutdown writes a snapshot
    expect(readdirSync(join(dir, "data", SNAPSHOT_DIR)).some((name) => name.endsWith(".ndjson"))).toBe(true);

    const second = await start();
    const ends = await (async () => {
      const reader = openSqliteEventLog({ path: join(dir, "data", LOG_FILE) });
      try {
        return [...(await reader.endOffsets()).values()].reduce((sum, end) => sum + end, 0);
      } finally {
        await reader.close();
      }
    })();
    expect(ends).toBeGreaterThan(5_000);
    expect(second.startedFrom?.events).toBe(ends); // the generated log and the ADD: nothing left to fold
    expect(stateText(second.runner.state)).toBe(await fullFold());
    const again = await add(second, "after-restart");
    expect(again).not.toBe(await add(second, "another-after-restart"));
    await stop(second);

    const checkLog = openSqliteEventLog({ path: join(dir, "data", LOG_FILE) });
    const projection = openSqliteProjection(join(dir, "data", PROJECTION_FILE));
    try {
      await expectLedgerSound(checkLog, projection);
    } finally {
      projection.close();
      await checkLog.close();
    }
  }, 180_000);

  it("given a damaged snapshot, then the agent discards it, folds from the start and still serves the full fold's state", async () => {
    dir = freshDir("ipledger-snapdamage-");
    mkdirSync(join(dir, "data"), { mode: 0o700 });
    const log = openSqliteEventLog({ path: join(dir, "data", LOG_FILE) });
    await generateChurn(log, { events: 3_000, pools: 2, seed: 10 });
    await log.close();
    await stop(await start());
    const snapshots = join(dir, "data", SNAPSHOT_DIR);
    for (const name of readdirSync(snapshots).filter((entry) => entry.endsWith(".ndjson"))) {
      const path = join(snapshots, name);
      writeFileSync(path, readFileSync(path, "utf8").replace(/"ip":"10\.16\.0\.(\d+)"/, '"ip":"10.16.0.250"'));
    }
    const agent = await start();
    expect(agent.startedFrom).toBeUndefined();
    expect(readdirSync(snapshots).some((name) => name.endsWith(".discarded"))).toBe(true);
    expect(stateText(agent.runner.state)).toBe(await fullFold());
  }, 180_000);
});
