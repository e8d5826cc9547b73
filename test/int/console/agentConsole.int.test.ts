import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addOk } from "../../support/agent/agentCalls.js";
import { eventually } from "../../support/agent/eventually.js";
import { ADMIN_TOKEN, AUDITOR_TOKEN, freshDir, writeTokenFile } from "../../support/agent/agentFiles.js";
import { cniBody } from "../../support/agent/cniBodies.js";
import { startTestAgent, type TestAgent } from "../../support/agent/testAgent.js";
import { requireBuilt } from "../../support/builtDist.js";

// The console under the agent's TCP listener (inject(), no socket): behind the agent's tokens,
// read-only, and absent from the unix socket. Needs `npm run build` (the console's assets).
requireBuilt("dist/console/index.html");

const GETS = [
  "/",
  "/ip/10.10.0.1",
  "/assets/app.js",
  "/api/session",
  "/api/search?q=10.10.0.1",
  "/api/who?ip=10.10.0.1",
  "/api/cidr?cidr=10.10.0.0/28",
  "/api/ip?ip=10.10.0.1",
  "/api/pod?pod=ns/web-0",
  "/api/pool?pool=10.10.0.0-24",
  "/api/pool/cell?ip=10.10.0.1",
  "/api/pool/utilisation?pool=10.10.0.0-24",
  "/api/changes",
  "/api/cli?command=who&ip=10.10.0.1",
  "/api/integrity",
  "/api/verify",
];
const POSTS = ["/api/login", "/api/logout", "/api/attribute?ipColumn=ip&timeColumn=at&header=1", "/api/verify"];

let dir: string;
let agent: TestAgent;
let tcp: NonNullable<TestAgent["tcpApp"]>;

async function login(token: string): Promise<string> {
  const reply = await tcp.inject({ method: "POST", url: "/console/api/login", payload: { token } });
  expect(reply.statusCode).toBe(200);
  const cookie = String(reply.headers["set-cookie"]);
  expect(cookie).toMatch(/; Path=\/console; HttpOnly; SameSite=Strict/);
  expect(cookie).not.toContain(token);
  return cookie.split(";")[0] as string;
}

describe("the console under the agent's TCP listener", { timeout: 60_000 }, () => {
  beforeAll(async () => {
    dir = freshDir("ipledger-agent-console-");
    agent = await startTestAgent({ node: "node-a", tokenFile: writeTokenFile(dir) });
    tcp = agent.tcpApp as NonNullable<TestAgent["tcpApp"]>;
    await tcp.ready();
    await addOk(agent.app, cniBody({ pod: { namespace: "ns", name: "web-0" } }));
    await agent.runner.waitForCatchUp(10_000);
  });
  afterAll(async () => {
    await agent?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves the page under /console/ with the prefix written in, and the strict CSP", async () => {
    const reply = await tcp.inject({ method: "GET", url: "/console/ip/10.10.0.1" });
    expect(reply.statusCode).toBe(200);
    expect(reply.body).toContain('<meta name="ipledger-base" content="/console" />');
    expect(reply.body).toContain('src="/console/assets/app.js"');
    expect(reply.headers["content-security-policy"]).toContain("script-src 'self'");
  });

  it("refuses data without a token, and answers an auditor who logged in", async () => {
    const refused = await tcp.inject({ method: "GET", url: "/console/api/who?ip=10.10.0.1" });
    expect(refused.statusCode).toBe(401);
    const cookie = await login(AUDITOR_TOKEN);
    // The console reads a snapshot of the agent's projection, renewed when 5 s old: the ADD shows up then.
    const who = await eventually(
      () => tcp.inject({ method: "GET", url: "/console/api/who?ip=10.10.0.1", headers: { cookie } }),
      (reply) => reply.statusCode === 200 && reply.json().holders.length > 0,
      30_000,
      "the console's snapshot to reach the ADD",
    );
    expect(who.json().holders.map((h: { podName: string }) => h.podName)).toEqual(["web-0"]);
    expect(who.json().holders).toEqual(agent.queries.holdersAt("10.10.0.1", Date.now()));
  });

  it("keeps the operator routes admin-only: an auditor's token gets 403, its console cookie 401", async () => {
    const cookie = await login(AUDITOR_TOKEN);
    const before = await agent.logSize();
    const body = { ip: "10.10.0.1", reason: "test" };
    const byToken = await tcp.inject({
      method: "POST",
      url: "/v1/admin/release",
      headers: { authorization: `Bearer ${AUDITOR_TOKEN}` },
      payload: body,
    });
    expect(byToken.statusCode).toBe(403);
    for (const url of ["/v1/admin/release", "/console/../v1/admin/release", "/console/%2e%2e/v1/admin/release"]) {
      const byCookie = await tcp.inject({ method: "POST", url, headers: { cookie }, payload: body });
      expect([401, 404]).toContain(byCookie.statusCode);
    }
    expect(await agent.logSize()).toBe(before);
  });

  it("accepts no write through any console route, even from an admin", async () => {
    const cookie = await login(ADMIN_TOKEN);
    const before = await agent.logSize();
    for (const path of [...GETS, ...POSTS])
      for (const method of ["PUT", "PATCH", "DELETE"] as const) {
        const reply = await tcp.inject({ method, url: `/console${path}`, headers: { cookie }, payload: {} });
        expect(reply.statusCode, `${method} ${path}`).toBe(404);
      }
    for (const path of GETS.filter((get) => !POSTS.some((post) => post.split("?")[0] === get.split("?")[0]))) {
      const reply = await tcp.inject({ method: "POST", url: `/console${path}`, headers: { cookie }, payload: {} });
      expect(reply.statusCode, `POST ${path}`).toBe(404);
    }
    for (const path of GETS) {
      const reply = await tcp.inject({ method: "GET", url: `/console${path}`, headers: { cookie } });
      expect(reply.statusCode, `GET ${path}`).toBe(200);
    }
    const upload = await tcp.inject({
      method: "POST",
      url: "/console/api/attribute?ipColumn=ip&timeColumn=at&header=1",
      headers: { cookie, "content-type": "text/csv" },
      payload: `ip,at\n10.10.0.1,${new Date().toISOString()}\n`,
    });
    expect(upload.statusCode).toBe(200);
    expect(upload.body).toContain("web-0");
    const verify = await tcp.inject({ method: "POST", url: "/console/api/verify", headers: { cookie } });
    expect(verify.statusCode).toBe(200);
    expect(await agent.logSize()).toBe(before);
  });

  it("is not on the unix socket", async () => {
    const reply = await agent.app.inject({ method: "GET", url: "/console/" });
    expect(reply.statusCode).toBe(404);
  });
});
