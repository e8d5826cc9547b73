import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addOk } from "../../support/agent/agentCalls.js";
import { cniBody } from "../../support/agent/cniBodies.js";
import { eventually } from "../../support/agent/eventually.js";
import { startTestAgent, type TestAgent } from "../../support/agent/testAgent.js";
import { openConsoleData, type ConsoleData } from "../../../src/console/consoleData.js";
import { PROJECTION_FILE } from "../../../src/dataFiles.js";
import { DEFAULT_TOPIC } from "../../../src/readModel/logOptions.js";

// A console over a live agent's data directory reads frozen snapshots of its projection. A
// snapshot is a read transaction: held for days, SQLite could never checkpoint the agent's
// write-ahead log, which would grow without end. An idle console must let its snapshot go.

let agent: TestAgent;
let data: ConsoleData;
const truncate = () => {
  // A short busy timeout: the probe answers "busy" at once instead of waiting 5 s for readers.
  const db = new Database(join(agent.dataDir, PROJECTION_FILE), { timeout: 50 });
  try {
    return (db.pragma("wal_checkpoint(TRUNCATE)") as { busy: number; log: number }[])[0] as {
      busy: number;
      log: number;
    };
  } finally {
    db.close();
  }
};

describe("the console's snapshots of a live projection", { timeout: 60_000 }, () => {
  beforeAll(async () => {
    agent = await startTestAgent({ node: "node-a" });
    data = await openConsoleData({ dataDir: agent.dataDir, topic: DEFAULT_TOPIC, kafkaPartitions: 1 }, 100, 100);
  });
  afterAll(async () => {
    await data?.close();
    await agent?.close();
  });

  it("answers from a fresh snapshot after the refresh interval, and lets an idle one go so the WAL can be checkpointed", async () => {
    // Given the console read once, holding a snapshot
    expect(await data.who("10.10.0.1", Date.now())).toEqual([]);
    // When the agent writes, the next snapshot shows it
    await addOk(agent.app, cniBody({ pod: { namespace: "ns", name: "web-0" } }));
    await agent.runner.waitForCatchUp(10_000);
    const holders = await eventually(
      () => data.who("10.10.0.1", Date.now()),
      (found) => found.length === 1,
      10_000,
      "the console to see the ADD",
    );
    expect(holders[0]?.podName).toBe("web-0");
    // Then, left idle, it holds no read transaction: a TRUNCATE checkpoint empties the WAL
    const result = await eventually(
      async () => truncate(),
      (checkpoint) => checkpoint.busy === 0 && checkpoint.log === 0,
      30_000,
      "a TRUNCATE checkpoint with the console idle",
    );
    expect(result).toEqual(expect.objectContaining({ busy: 0, log: 0 }));
  });
});
