import { copyFileSync, existsSync, mkdirSync, openSync, rmSync, statSync, writeSync, closeSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteEventLog } from "../../../ledger/log/sqliteEventLog.js";
import { LOG_FILE, PROJECTION_FILE, startAgent, type Agent } from "../../../src/agent.js";
import { expectDataDirSound, httpJson } from "../../support/agent/agentCalls.js";
import { freshDir } from "../../support/agent/agentFiles.js";
import { cniBody } from "../../support/agent/cniBodies.js";
import { allocations } from "../ledger/log/logFixtures.js";

// Issue 11, defects 6 and 8: what the agent checks at start. Real files in a temp data directory.

let dir: string;
let dataDir: string;
let agent: Agent | undefined;

beforeEach(() => {
  dir = freshDir("ipledger-start-");
  dataDir = join(dir, "data");
});

afterEach(async () => {
  await agent?.close();
  agent = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<Agent> {
  agent = await startAgent({ dataDir, socket: join(dir, "agent.sock"), node: "node-start", quiet: true });
  return agent;
}

async function stop(): Promise<void> {
  await agent?.close();
  agent = undefined;
}

async function addPods(names: readonly string[]): Promise<void> {
  for (const name of names) {
    const reply = await httpJson({ socketPath: (agent as Agent).socketPath }, "POST", "/v1/cni/add", {
      body: cniBody({ pod: { name } }),
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  }
}

async function heldBy(): Promise<string[]> {
  const reply = await httpJson({ socketPath: (agent as Agent).socketPath }, "GET", "/v1/allocations");
  return (reply.body.allocations as { podName: string }[]).map((row) => row.podName).sort();
}

/** Overwrites the pages between fractions `from` and `to` of `path` with a fixed byte: pages SQLite cannot read. */
function damagePages(path: string, from: number, to: number): void {
  const size = statSync(path).size;
  const start = Math.floor((size * from) / 4096) * 4096;
  const length = Math.floor((size * to) / 4096) * 4096 - start;
  const fd = openSync(path, "r+");
  writeSync(fd, Buffer.alloc(length, 0xab), 0, length, start);
  closeSync(fd);
}

describe("files the agent creates", () => {
  it("are readable and writable by their owner only (0600), WAL files included", async () => {
    await start();
    await addPods(["mode-pod"]);
    for (const file of [
      LOG_FILE,
      `${LOG_FILE}-wal`,
      `${LOG_FILE}-shm`,
      PROJECTION_FILE,
      `${PROJECTION_FILE}-wal`,
      `${PROJECTION_FILE}-shm`,
      "agent.lock",
      "agent.pid",
    ]) {
      expect({ file, mode: (statSync(join(dataDir, file)).mode & 0o777).toString(8) }).toEqual({ file, mode: "600" });
    }
  });
});

describe("a log that lost its tail", () => {
  it("is noticed at start: the projection is moved aside and rebuilt from the log, never served as it was", async () => {
    await start();
    await addPods(["kept"]);
    await stop();
    copyFileSync(join(dataDir, LOG_FILE), join(dir, "backup.db"));
    await start();
    await addPods(["lost-1", "lost-2"]);
    await stop();
    // Given an older ledger.db restored under the newer projection
    copyFileSync(join(dir, "backup.db"), join(dataDir, LOG_FILE));

    await start();
    expect(await heldBy()).toEqual(["kept"]);
    expect(existsSync(join(dataDir, `${PROJECTION_FILE}.stale`))).toBe(true);
    await stop();
    await expectDataDirSound(dataDir);
  });
});

describe("damaged files", () => {
  async function fillLog(): Promise<void> {
    await start();
    await addPods(Array.from({ length: 60 }, (_, index) => `pod-${index}`));
    await stop();
  }

  it("a damaged ledger.db stops the start at once, naming the file", async () => {
    // 2,000 events, then damage early table pages: the log's end is still readable (the index
    // at the end of the file), the events are not, so only the fold meets the damage.
    mkdirSync(dataDir, { recursive: true });
    const log = openSqliteEventLog({ path: join(dataDir, LOG_FILE) });
    for (let batch = 0; batch < 8; batch += 1) await log.append("", allocations("", 250));
    await log.close();
    damagePages(join(dataDir, LOG_FILE), 0.15, 0.25);
    await expect(start()).rejects.toThrow(
      new RegExp(`${join(dataDir, LOG_FILE)}.*(SQLITE_CORRUPT|not valid JSON|damaged)`),
    );
  });

  it("a damaged projection.db is moved aside and rebuilt from the log", async () => {
    await fillLog();
    damagePages(join(dataDir, PROJECTION_FILE), 0.33, 0.66);
    await start();
    expect(await heldBy()).toHaveLength(60);
    expect(existsSync(join(dataDir, `${PROJECTION_FILE}.damaged`))).toBe(true);
    await stop();
    await expectDataDirSound(dataDir);
  });
});
