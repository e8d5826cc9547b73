import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PROJECTION_FILE, startAgent, type Agent } from "../../../src/agent.js";
import { expectDataDirSound, httpJson, type JsonReply, type ResultIp } from "../../support/agent/agentCalls.js";
import { freshDir } from "../../support/agent/agentFiles.js";
import { cniBody } from "../../support/agent/cniBodies.js";
import { eventually } from "../../support/agent/eventually.js";
import { holdWriteLock } from "../../support/agent/sqliteLockHolder.js";

// Issue 11, defect 2: a projection write that fails (here: another process holds projection.db's
// write lock, as a backup tool would) must not wedge the fold. The real agent on a temp data
// directory, the lock held by a real second process.

let dir: string;
let agent: Agent | undefined;

beforeEach(() => {
  dir = freshDir("ipledger-fold-");
});

afterEach(async () => {
  await agent?.close();
  agent = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const addressOf = (reply: JsonReply): string =>
  ((reply.body.ips as ResultIp[])[0] as ResultIp).address.split("/")[0] as string;

describe("a locked projection", () => {
  it("stalls liveness while locked, then the fold recovers by itself and no claim of a failed ADD leaks", async () => {
    const dataDir = join(dir, "data");
    agent = await startAgent({
      dataDir,
      socket: join(dir, "agent.sock"),
      node: "node-fold",
      quiet: true,
      appendTimeoutMs: 1_500,
      stallBoundMs: 1_000,
    });
    const socket = { socketPath: agent.socketPath };
    const add = (name: string) => httpJson(socket, "POST", "/v1/cni/add", { body: cniBody({ pod: { name } }) });
    const first = await add("before-lock");
    expect(first.status, JSON.stringify(first.body)).toBe(200);

    // Given another process holds projection.db's write lock for 7 s
    const holder = await holdWriteLock(join(dataDir, PROJECTION_FILE), 7_000);
    // When ADDs arrive meanwhile, they fail (their claims are appended, but not folded in time)
    const failedAdopted = await add("retried-pod");
    const failedAbandoned = await add("abandoned-pod");
    expect(failedAdopted.status).toBeGreaterThanOrEqual(500);
    expect(failedAbandoned.status).toBeGreaterThanOrEqual(500);
    // and liveness says the fold is stuck (the event loop still answers the probe)
    const unhealthy = await eventually(
      () => httpJson(socket, "GET", "/healthz"),
      (reply) => reply.status === 503,
      5_000,
      "/healthz turning 503",
    );
    expect(String(unhealthy.body.reason)).toMatch(/has not advanced/);
    await holder.released;

    // Then the fold recovers without a restart: ADDs succeed and liveness is 200 again
    const after = await eventually(
      () => add("after-lock"),
      (reply) => reply.status === 200,
      20_000,
      "an ADD succeeding after the lock",
    );
    expect((await httpJson(socket, "GET", "/healthz")).status).toBe(200);
    // and the runtime's retry of a failed ADD (same container, same interface) is answered
    const retried = await eventually(
      () => add("retried-pod"),
      (reply) => reply.status === 200,
      20_000,
      "the retried ADD succeeding",
    );

    // and once settled, exactly the answered attachments hold an address: nothing leaked
    const answered = new Map([
      ["c-before-lock", addressOf(first)],
      ["c-after-lock", addressOf(after)],
      ["c-retried-pod", addressOf(retried)],
    ]);
    const held = await eventually(
      async () =>
        (
          (await httpJson(socket, "GET", "/v1/allocations")).body.allocations as { containerId: string; ip: string }[]
        ).map((row) => [row.containerId, row.ip]),
      (rows) => rows.length === answered.size,
      20_000,
      "the abandoned claim being released",
    );
    expect(new Map(held as [string, string][])).toEqual(answered);

    await agent.close();
    agent = undefined;
    await expectDataDirSound(dataDir);
  });
});
