import { rmSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteEventLog } from "../../../ledger/log/sqliteEventLog.js";
import { LOG_FILE, startAgent, type Agent } from "../../../src/agent.js";
import type { OperatorResult } from "../../../src/operator/operatorService.js";
import { addOk, httpJson } from "../../support/agent/agentCalls.js";
import { ADMIN_TOKEN, AUDITOR_TOKEN, freshDir, writeTokenFile } from "../../support/agent/agentFiles.js";
import { cniBody } from "../../support/agent/cniBodies.js";
import { owner, pool } from "../../support/deciderSpec.js";
import { readAll } from "../../support/agent/testAgent.js";
import { startOperatorAgent, type OperatorAgent } from "../../support/operator/operatorAgent.js";
import { allocateOn, expectActionRecorded } from "../../support/operator/operatorChecks.js";

// The admin API through inject() on the test agent fixture (unix-socket auth: the CLI's
// user@host comes in the body), then the real agent's TCP listener with admin and auditor tokens.

const POOL = "10.10.0.0-24";
const ALICE = "alice@laptop";

async function act(
  app: FastifyInstance,
  action: string,
  body: Record<string, unknown>,
): Promise<{ status: number; body: OperatorResult & { error?: { code: string; message: string } } }> {
  const reply = await app.inject({ method: "POST", url: `/v1/admin/${action}`, payload: { user: ALICE, ...body } });
  return { status: reply.statusCode, body: reply.json() };
}

describe("operator actions through the API", () => {
  let op: OperatorAgent;
  beforeAll(async () => {
    op = await startOperatorAgent({ node: "node-int" });
    for (const name of ["a", "b", "c"]) await addOk(op.app, cniBody({ pod: { name } }));
    await allocateOn(op.agent, owner("gone-1", { node: "node-gone" }), pool("10.10.0.0/24"));
    await allocateOn(op.agent, owner("gone-2", { node: "node-gone" }), pool("10.10.0.0/24"));
  });
  afterAll(() => op.close());

  it("release: a dry run appends nothing; the real one releases with reason admin, the operator and the note", async () => {
    const before = await op.agent.logSize();
    const dry = await act(op.app, "release", { ip: "10.10.0.2", reason: "stuck pod", dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body.events).toEqual([
      expect.objectContaining({
        type: "AddressReleased",
        actor: { node: "node-int", component: "agent", user: ALICE },
        data: expect.objectContaining({ ip: "10.10.0.2", reason: "admin", note: "stuck pod" }),
      }),
    ]);
    expect(await op.agent.logSize()).toBe(before);

    const done = await act(op.app, "release", { ip: "10.10.0.2", reason: "stuck pod" });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body.outcomes.map((outcome) => outcome.status)).toEqual(["accepted"]);
    await expectActionRecorded(op.agent, done.body, { user: ALICE, reason: "stuck pod" });
    const last = op.agent.queries.history({ ip: "10.10.0.2" }).at(-1);
    expect(last).toMatchObject({ podName: "b", endReason: "admin" });
  });

  it("reserve: refused on a held address without force (409, naming the holder); with force it holds after the release", async () => {
    const refused = await act(op.app, "reserve", { target: "10.10.0.1", reason: "router" });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: "ADDRESS_IN_USE",
      message: expect.stringMatching(/pod ns\/a .*--force/),
    });

    const forced = await act(op.app, "reserve", { target: "10.10.0.1", reason: "router", force: true });
    expect(forced.status, JSON.stringify(forced.body)).toBe(200);
    expect(forced.body.notes[0]).toMatch(/keeps it until it is released/);
    await expectActionRecorded(op.agent, forced.body, { user: ALICE, reason: "router" });

    await op.app.inject({ method: "POST", url: "/v1/cni/del", payload: cniBody({ pod: { name: "a" } }) });
    expect(await addOk(op.app, cniBody({ pod: { name: "a2" } }))).toEqual(["10.10.0.2/24"]); // .1 stays out, .2 was freed above
  });

  it("unreserve: lifts the reservation, recorded with its own reason", async () => {
    const lifted = await act(op.app, "unreserve", { target: "10.10.0.1/32", reason: "router moved" });
    expect(lifted.status, JSON.stringify(lifted.body)).toBe(200);
    expect(lifted.body.events[0]).toMatchObject({
      type: "ReservationLifted",
      data: { target: "10.10.0.1", note: "router moved" },
    });
    await expectActionRecorded(op.agent, lifted.body, { user: ALICE, reason: "router moved" });
    expect((await act(op.app, "unreserve", { target: "10.10.0.1", reason: "again" })).status).toBe(404);
  });

  it("drain-node: releases every allocation made on the node, and only those", async () => {
    const drained = await act(op.app, "drain-node", { node: "node-gone", reason: "node decommissioned" });
    expect(drained.status, JSON.stringify(drained.body)).toBe(200);
    expect(drained.body.events.map((event) => (event.data as { owner: { podName: string } }).owner.podName)).toEqual([
      "gone-1",
      "gone-2",
    ]);
    await expectActionRecorded(op.agent, drained.body, { user: ALICE, reason: "node decommissioned" });
    expect(op.agent.queries.allocations().map((row) => row.node)).toEqual(["node-int", "node-int"]);
  });

  it("reset-pool: refused without confirm (400); with it, one admin-reset release per address", async () => {
    const refused = await act(op.app, "reset-pool", { pool: POOL, reason: "recreate" });
    expect(refused.status).toBe(400);
    expect(refused.body.error?.message).toMatch(/would release 2 address\(es\) of pool 10\.10\.0\.0-24; confirm it/);
    const reset = await act(op.app, "reset-pool", { pool: POOL, reason: "recreate", confirm: true });
    expect(reset.status, JSON.stringify(reset.body)).toBe(200);
    expect(reset.body.events.map((event) => (event.data as { reason: string }).reason)).toEqual([
      "admin-reset",
      "admin-reset",
    ]);
    await expectActionRecorded(op.agent, reset.body, { user: ALICE, reason: "recreate" });
    expect(op.agent.queries.allocations()).toEqual([]);
  });

  it("refuses a request without a reason, and unknown fields", async () => {
    expect((await act(op.app, "release", { ip: "10.10.0.3" })).body.error).toMatchObject({
      code: "INVALID_REQUEST",
      key: "reason",
    });
    expect((await act(op.app, "reset-pool", { pool: POOL, reason: "x", confrim: true })).status).toBe(400);
  });
});

describe("operator actions over TCP", () => {
  let dir: string;
  let agent: Agent;
  let url: string;
  const call = (token: string, method: string, path: string, body?: unknown) =>
    httpJson({ url }, method, path, {
      headers: { authorization: `Bearer ${token}` },
      ...(body === undefined ? {} : { body }),
    });

  beforeAll(async () => {
    dir = freshDir("ipledger-op-tcp-");
    agent = await startAgent({
      dataDir: join(dir, "data"),
      socket: join(dir, "agent.sock"),
      node: "node-tcp",
      listen: "127.0.0.1:0",
      tokenFile: writeTokenFile(dir),
      quiet: true,
    });
    url = agent.tcpAddress as string;
    for (const name of ["a", "b"])
      expect((await call(ADMIN_TOKEN, "POST", "/v1/cni/add", cniBody({ pod: { name } }))).status).toBe(200);
  });
  afterAll(async () => {
    await agent.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses every action to an auditor token (403) and appends nothing", async () => {
    const bodies: Record<string, Record<string, unknown>> = {
      release: { ip: "10.10.0.1", reason: "x" },
      reserve: { target: "10.10.0.9", reason: "x" },
      unreserve: { target: "10.10.0.9", reason: "x" },
      "reset-pool": { pool: POOL, reason: "x", confirm: true },
      "drain-node": { node: "node-tcp", reason: "x" },
    };
    for (const [action, body] of Object.entries(bodies)) {
      for (const dryRun of [false, true]) {
        const reply = await call(AUDITOR_TOKEN, "POST", `/v1/admin/${action}`, { ...body, dryRun });
        expect(reply.status, `${action} ${JSON.stringify(reply.body)}`).toBe(403);
        expect(reply.body.error).toMatchObject({ code: "FORBIDDEN" });
      }
    }
    expect(agent.runner.position()).toEqual(new Map([[0, 3]])); // PoolDefined + two ADDs
    expect((await call(AUDITOR_TOKEN, "GET", `/v1/allowlist?pool=${POOL}`)).body.holders).toHaveLength(2);
    expect((await call("not-a-token-at-all-0000", "POST", "/v1/admin/release", bodies.release)).status).toBe(401);
  });

  it("records the admin token's subject as the operator; a body cannot claim another name", async () => {
    const reply = await call(ADMIN_TOKEN, "POST", "/v1/admin/release", {
      ip: "10.10.0.1",
      reason: "ticket OPS-12",
      user: "mallory@elsewhere",
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    const result = reply.body as unknown as OperatorResult;
    expect(result.actor).toEqual({ node: "node-tcp", component: "agent", user: "ops" });
    const socket = await httpJson({ socketPath: agent.socketPath }, "POST", "/v1/admin/reserve", {
      body: { target: "10.10.0.9", reason: "printer", user: "bob@host" },
    });
    expect((socket.body as unknown as OperatorResult).actor.user).toBe("bob@host");
    const log = openSqliteEventLog({ path: join(dir, "data", LOG_FILE) });
    try {
      const events = await readAll(log);
      expect(events.slice(-2).map((logged) => [logged.event.type, logged.event.actor.user])).toEqual([
        ["AddressReleased", "ops"],
        ["AddressReserved", "bob@host"],
      ]);
    } finally {
      await log.close();
    }
  });
});
