import { rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteEventLog } from "../../../ledger/log/sqliteEventLog.js";
import { checkInvariants } from "../../../projections/invariants.js";
import { openSqliteProjection } from "../../../projections/sqlite/sqliteProjection.js";
import { verifyLedger } from "../../../projections/verifyLedger.js";
import { LOG_FILE, PROJECTION_FILE, startAgent, type Agent } from "../../../src/agent.js";
import { httpJson, type ResultIp } from "../../support/agent/agentCalls.js";
import { ADMIN_TOKEN, AUDITOR_TOKEN, freshDir, writeTokenFile } from "../../support/agent/agentFiles.js";
import { cniBody } from "../../support/agent/cniBodies.js";

// The real startAgent: a unix socket (mode 0600) and an optional TCP listener behind bearer
// tokens, on a temp data dir; requests go over node:http, not inject().

let dir: string;
const running: Agent[] = [];

async function start(options: { listen?: string; tokenFile?: string } = {}): Promise<Agent> {
  const agent = await startAgent({
    dataDir: join(dir, "data"),
    socket: join(dir, "agent.sock"),
    node: "node-sock",
    quiet: true,
    ...options,
  });
  running.push(agent);
  return agent;
}

beforeEach(() => {
  dir = freshDir("ipledger-sock-");
});

afterEach(async () => {
  try {
    for (const agent of running.splice(0)) await agent.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const addressesOf = (body: Record<string, unknown>): string[] => (body.ips as ResultIp[]).map((ip) => ip.address);

describe("unix socket", () => {
  it("is mode 0600 and serves an ADD and the queries over node:http", async () => {
    const agent = await start();
    expect(statSync(agent.socketPath).isSocket()).toBe(true);
    expect(statSync(agent.socketPath).mode & 0o777).toBe(0o600);

    const socket = { socketPath: agent.socketPath };
    const added = await httpJson(socket, "POST", "/v1/cni/add", { body: cniBody({ pod: { name: "web-0" } }) });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    expect(addressesOf(added.body)).toEqual(["10.10.0.1/24"]);
    const rows = await httpJson(socket, "GET", "/v1/allocations");
    expect(rows.body.allocations).toMatchObject([{ ip: "10.10.0.1", podName: "web-0", node: "node-sock" }]);
    expect(await httpJson(socket, "GET", "/readyz")).toMatchObject({ status: 200, body: { ready: true } });

    await agent.close();
    expect(() => statSync(agent.socketPath)).toThrow(/ENOENT/);
  });
});

describe("TCP listener", () => {
  it("listens on an ephemeral port and enforces bearer tokens and roles", async () => {
    const agent = await start({ listen: "127.0.0.1:0", tokenFile: writeTokenFile(dir) });
    expect(agent.tcpAddress).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(agent.tcpAddress).not.toMatch(/:0$/);
    const tcp = { url: agent.tcpAddress as string };
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const body = cniBody({ pod: { name: "tcp-pod" } });

    expect(await httpJson(tcp, "GET", "/healthz")).toEqual({ status: 200, body: { ok: true } });
    const anonymous = await httpJson(tcp, "GET", "/v1/allocations");
    expect(anonymous).toMatchObject({ status: 401, body: { error: { code: "UNAUTHORIZED" } } });
    const anonymousAdd = await httpJson(tcp, "POST", "/v1/cni/add", { body });
    expect(anonymousAdd).toMatchObject({ status: 401, body: { code: 108 } });
    const wrong = await httpJson(tcp, "GET", "/v1/allocations", { headers: bearer("not-the-token-0123456789") });
    expect(wrong).toMatchObject({
      status: 401,
      body: { error: { code: "UNAUTHORIZED", message: expect.stringContaining("not valid") } },
    });
    const wrongAdd = await httpJson(tcp, "POST", "/v1/cni/add", { body, headers: bearer(`${ADMIN_TOKEN}x`) });
    expect(wrongAdd).toMatchObject({ status: 401, body: { code: 108 } });

    const admin = await httpJson(tcp, "POST", "/v1/cni/add", { body, headers: bearer(ADMIN_TOKEN) });
    expect(admin.status, JSON.stringify(admin.body)).toBe(200);
    expect(addressesOf(admin.body)).toEqual(["10.10.0.1/24"]);

    const auditorRead = await httpJson(tcp, "GET", "/v1/allocations", { headers: bearer(AUDITOR_TOKEN) });
    expect(auditorRead.status).toBe(200);
    expect(auditorRead.body.allocations).toMatchObject([{ ip: "10.10.0.1", podName: "tcp-pod" }]);
    const auditorAdd = await httpJson(tcp, "POST", "/v1/cni/add", {
      body: cniBody({ pod: { name: "audited" } }),
      headers: bearer(AUDITOR_TOKEN),
    });
    expect(auditorAdd).toMatchObject({ status: 403, body: { code: 109, details: expect.stringContaining("auditor") } });
    const auditorDel = await httpJson(tcp, "POST", "/v1/cni/del", { body, headers: bearer(AUDITOR_TOKEN) });
    expect(auditorDel).toMatchObject({ status: 403, body: { code: 109 } });
    expect(
      (await httpJson(tcp, "GET", "/v1/allocations", { headers: bearer(ADMIN_TOKEN) })).body.allocations,
    ).toHaveLength(1);
  });

  it("refuses a token file readable by group or others, with a clear error", async () => {
    const tokenFile = writeTokenFile(dir, 0o644);
    await expect(start({ listen: "127.0.0.1:0", tokenFile })).rejects.toThrow(
      /readable by group or others; chmod 600 it/,
    );
  });

  it("refuses a TCP listener without a token file", async () => {
    await expect(start({ listen: "127.0.0.1:0" })).rejects.toThrow(/--listen needs --token-file/);
  });
});

describe("restart", () => {
  it("resumes on the same data dir: allocations kept, held addresses not reused, projection equals a replay", async () => {
    const first = await start();
    const socket = { socketPath: first.socketPath };
    for (const name of ["a", "b", "c"]) {
      expect((await httpJson(socket, "POST", "/v1/cni/add", { body: cniBody({ pod: { name } }) })).status).toBe(200);
    }
    expect((await httpJson(socket, "POST", "/v1/cni/del", { body: cniBody({ pod: { name: "b" } }) })).status).toBe(200);
    const before = (await httpJson(socket, "GET", "/v1/allocations")).body.allocations;
    const position = first.runner.position();
    await first.close();

    const second = await start();
    expect(second.runner.position()).toEqual(position);
    const after = (await httpJson(socket, "GET", "/v1/allocations")).body.allocations;
    expect(after).toEqual(before);
    expect((after as { ip: string }[]).map((row) => row.ip)).toEqual(["10.10.0.1", "10.10.0.3"]);
    const d = await httpJson(socket, "POST", "/v1/cni/add", { body: cniBody({ pod: { name: "d" } }) });
    expect(addressesOf(d.body)).toEqual(["10.10.0.2/24"]);
    // Sticky memory comes back from the replay too: b's old address is taken, so b gets the next free one.
    const b = await httpJson(socket, "POST", "/v1/cni/add", {
      body: cniBody({ pod: { name: "b" }, containerId: "c-b-2" }),
    });
    expect(addressesOf(b.body)).toEqual(["10.10.0.4/24"]);
    await second.close();

    const log = openSqliteEventLog({ path: join(dir, "data", LOG_FILE) });
    const projection = openSqliteProjection(join(dir, "data", PROJECTION_FILE));
    try {
      expect(checkInvariants(projection.db)).toEqual([]);
      const report = await verifyLedger(log, projection);
      expect(report.problem).toBeUndefined();
      expect(report).toMatchObject({ ok: true, events: 7, partitions: 1 });
    } finally {
      projection.close();
      await log.close();
    }
  });
});
