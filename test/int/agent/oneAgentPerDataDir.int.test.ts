import { existsSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteEventLog } from "../../../ledger/log/sqliteEventLog.js";
import { LOG_FILE, startAgent, type Agent } from "../../../src/agent.js";
import { httpJson } from "../../support/agent/agentCalls.js";
import { freshDir } from "../../support/agent/agentFiles.js";
import { cniBody } from "../../support/agent/cniBodies.js";
import { requireBuilt } from "../../support/builtDist.js";
import { startAgent as startAgentProcess } from "../../support/e2e/agentProcess.js";

// Issue 11, defect 3: two agents on one data directory or one socket. In-process agents (SQLite
// keeps two connections of one process apart like two processes) and, for kill -9, the built
// agent as a child process.

let dir: string;
const running: Agent[] = [];

beforeEach(() => {
  dir = freshDir("ipledger-one-");
});

afterEach(async () => {
  for (const agent of running.splice(0)) await agent.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(dataDir: string, socket: string): Promise<Agent> {
  const agent = await startAgent({ dataDir, socket, node: "node-one", quiet: true });
  running.push(agent);
  return agent;
}

async function logEnd(dataDir: string): Promise<number> {
  const log = openSqliteEventLog({ path: join(dataDir, LOG_FILE) });
  try {
    return [...(await log.endOffsets()).values()].reduce((sum, end) => sum + end, 0);
  } finally {
    await log.close();
  }
}

describe("one agent per data directory", () => {
  it("refuses a second agent on the same data directory, naming the holder's pid, and the first keeps serving", async () => {
    const dataDir = join(dir, "data");
    const first = await start(dataDir, join(dir, "first.sock"));
    const socket = { socketPath: first.socketPath };
    expect((await httpJson(socket, "POST", "/v1/cni/add", { body: cniBody({ pod: { name: "a" } }) })).status).toBe(200);
    const end = await logEnd(dataDir);

    await expect(
      startAgent({ dataDir, socket: join(dir, "second.sock"), node: "node-one", quiet: true }),
    ).rejects.toThrow(new RegExp(`data directory ${dataDir} is in use by process ${process.pid}`));
    expect(existsSync(join(dir, "second.sock"))).toBe(false);
    expect(await logEnd(dataDir)).toBe(end);
    const again = await httpJson(socket, "POST", "/v1/cni/add", { body: cniBody({ pod: { name: "b" } }) });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
  });

  it("never unlinks a socket a live agent serves", async () => {
    const socketPath = join(dir, "shared.sock");
    const first = await start(join(dir, "data-1"), socketPath);
    const inode = statSync(socketPath).ino;

    await expect(
      startAgent({ dataDir: join(dir, "data-2"), socket: socketPath, node: "node-one", quiet: true }),
    ).rejects.toThrow(/another agent is serving .*shared\.sock/);
    expect(statSync(socketPath).ino).toBe(inode);
    const added = await httpJson({ socketPath: first.socketPath }, "POST", "/v1/cni/add", {
      body: cniBody({ pod: { name: "c" } }),
    });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    // and the failed start appended nothing to its own log
    expect(await logEnd(join(dir, "data-2"))).toBe(0);
  });

  it("starts after a kill -9: the kernel dropped the lock and the stale socket is replaced", async () => {
    requireBuilt("dist/src/cli/bin.js");
    const dataDir = join(dir, "data");
    const socketPath = join(dir, "agent.sock");
    const killed = await startAgentProcess({ dataDir, socketPath, node: "node-one" });
    process.kill(killed.pid, "SIGKILL");
    await killed.stop();
    expect(statSync(socketPath).isSocket()).toBe(true); // left behind by the killed agent

    const next = await start(dataDir, socketPath);
    const added = await httpJson({ socketPath: next.socketPath }, "POST", "/v1/cni/add", {
      body: cniBody({ pod: { name: "d" } }),
    });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
  }, 60_000);
});
