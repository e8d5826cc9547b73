import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Holder } from "../../../projections/sqlite/queries.js";
import { buildApp } from "../../../src/http/app.js";
import { loadTokenFile } from "../../../src/http/auth.js";
import { getJson } from "../../support/agent/agentCalls.js";
import { ADMIN_TOKEN, AUDITOR_TOKEN, freshDir, writeTokenFile } from "../../support/agent/agentFiles.js";
import { cniBody } from "../../support/agent/cniBodies.js";
import {
  buildAuditScenario,
  NETWORKS,
  startExtraWriter,
  type AuditScenario,
} from "../../support/audit/auditScenario.js";
import { rmSync } from "node:fs";

let world: AuditScenario;
let tokenDir: string;

beforeAll(async () => {
  world = await buildAuditScenario();
  tokenDir = freshDir("ipledger-audit-tokens-");
});
afterAll(async () => {
  await world?.close();
  rmSync(tokenDir, { recursive: true, force: true });
});

const iso = (ms: number) => new Date(ms).toISOString();

async function allPages<T>(url: string, key: string): Promise<T[]> {
  const rows: T[] = [];
  for (let next: string | null = null; ;) {
    const reply = await getJson(world.agent.app, `${url}${next ? `&after=${encodeURIComponent(next)}` : ""}`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    rows.push(...(reply.body[key] as T[]));
    next = reply.body.next as string | null;
    if (!next) return rows;
  }
}

describe("the auditor's HTTP API", () => {
  it("GET /v1/who answers an address or a CIDR at an instant, with its basis, paginated", async () => {
    const { ip, atMs, to } = world.stories.adoption;
    const one = await getJson(world.agent.app, `/v1/who?ip=${ip}&at=${encodeURIComponent(iso(atMs))}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      ip,
      at: iso(atMs),
      holder: { containerId: to, podName: "db-0", openedBy: { node: "node-a" } },
      basis: world.agent.queries.basis(),
    });
    // The same address may be held in network "blue" at once: holders names every network's holder.
    expect((one.body.holders as Holder[]).map((h) => h.domain)).toEqual(
      world.agent.queries.holdersAt(ip, atMs).map((h) => h.domain),
    );
    expect((await getJson(world.agent.app, `/v1/who?ip=${ip}&at=${atMs}&domain=`)).body.holders).toHaveLength(1);

    const at = world.stories.statefulSet.recreatedMs;
    const direct = world.agent.queries.holdersInCidr("10.30.0.0/24", at, { limit: 10_000 }).rows;
    expect(direct.length).toBeGreaterThan(4);
    const paged = await allPages<Holder>(`/v1/who?cidr=10.30.0.0/24&at=${at}&limit=2`, "holders");
    expect(paged).toEqual(direct);
    const blueOnly = await getJson(world.agent.app, `/v1/who?cidr=10.30.0.0/24&at=${at}&domain=blue`);
    expect((blueOnly.body.holders as Holder[]).every((h) => h.domain === "blue")).toBe(true);
  });

  it("GET /v1/history filters by pod, node, pool and time, pages with next/after, and prints times in ?tz", async () => {
    const byPod = await getJson(world.agent.app, "/v1/history?pod=shop/web-0");
    expect((byPod.body.holders as Holder[]).map((h) => h.podUid)).toEqual(world.stories.statefulSet.uids);
    const byNode = await allPages<Holder>("/v1/history?node=node-b", "holders");
    expect(byNode.map((h) => h.podName)).toEqual(["slow-0"]);
    const pool = await allPages<Holder>(`/v1/history?pool=${NETWORKS.narrow.pool}&limit=3`, "holders");
    expect(pool.map((h) => h.containerId)).toEqual(
      world.agent.queries.history({ pool: NETWORKS.narrow.pool }).map((h) => h.containerId),
    );
    expect(pool.length).toBeGreaterThan(3);
    const since = world.stories.redefinedMs;
    const window = await allPages<Holder>(`/v1/history?since=${since}&until=${since + 3_600_000}&limit=4`, "holders");
    expect(window).toEqual(world.agent.queries.history({ sinceMs: since, untilMs: since + 3_600_000 }));
    const paris = await getJson(world.agent.app, "/v1/history?pod=shop/web-0&tz=Europe/Paris");
    expect((paris.body.holders as Holder[])[0]?.from).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+01:00$/);
    expect(Date.parse((paris.body.holders as Holder[])[0]?.from ?? "")).toBe(
      Date.parse((byPod.body.holders as Holder[])[0]?.from ?? ""),
    );
  });

  it("refuses what it cannot answer exactly, saying what to do", async () => {
    const ambiguous = await getJson(world.agent.app, "/v1/who?ip=10.30.0.1&at=2026-03-03T10:00:00");
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body).toMatchObject({ error: { code: "INVALID_REQUEST", key: "at" } });
    expect(JSON.stringify(ambiguous.body)).toContain("no zone");
    expect((await getJson(world.agent.app, "/v1/history")).status).toBe(400);
    expect((await getJson(world.agent.app, "/v1/history?ip=10.30.0.1&after=garbage")).status).toBe(400);
    expect((await getJson(world.agent.app, "/v1/history?ip=10.30.0.1&limit=0")).status).toBe(400);
    expect((await getJson(world.agent.app, "/v1/who?cidr=10.30.0.0")).status).toBe(400);
    expect((await getJson(world.agent.app, "/v1/pool-state?pool=nope")).body).toMatchObject({
      error: { code: "UNKNOWN_POOL" },
    });
    expect((await getJson(world.agent.app, "/v1/changes?since=2026-02-30T00:00:00Z")).status).toBe(400);
    expect((await getJson(world.agent.app, "/v1/history?ip=10.30.0.1&tz=Mars/Olympus")).status).toBe(400);
  });

  it("GET /v1/pool-state and /v1/changes", async () => {
    const state = await getJson(world.agent.app, `/v1/pool-state?pool=${NETWORKS.main.pool}&at=${world.endMs}`);
    expect(state.body).toMatchObject({
      pool: NETWORKS.main.pool,
      domain: "",
      definition: { exclude: ["10.30.0.11"] },
      counts: { window: 12 },
      basis: world.agent.queries.basis(),
    });
    const since = world.stories.gc.atMs;
    const changes = await getJson(
      world.agent.app,
      `/v1/changes?since=${since}&until=${since + 1}&type=AddressReleased`,
    );
    expect(changes.body.changes).toMatchObject([
      {
        type: "AddressReleased",
        reason: "cni-gc",
        ip: world.stories.gc.ip,
        actor: { node: "node-a", component: "agent" },
      },
    ]);
    expect((await getJson(world.agent.app, "/v1/changes")).status).toBe(400);
  });

  it("GET /v1/export/{tenancies,events} streams CSV, NDJSON and JSON with the basis in a header", async () => {
    const all = world.agent.queries.history({ sinceMs: 0 });
    const csv = await world.agent.app.inject({ method: "GET", url: "/v1/export/tenancies?format=csv" });
    expect(csv.headers["content-type"]).toContain("text/csv");
    expect(JSON.parse(String(csv.headers["x-ipledger-basis"]))).toEqual(world.agent.queries.basis());
    const lines = csv.body.trimEnd().split("\n");
    expect(lines[0]).toMatch(
      /^ip,pool,domain,podNamespace,podName,podUid,containerId,ifName,node,requested,from,to,endReason,endNote/,
    );
    expect(lines).toHaveLength(all.length + 1);
    const ndjson = await world.agent.app.inject({ method: "GET", url: "/v1/export/tenancies?format=ndjson" });
    expect(
      ndjson.body
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line) as Holder),
    ).toEqual(all);
    const json = await world.agent.app.inject({ method: "GET", url: `/v1/export/events?format=json&pod=shop/db-0` });
    const events = JSON.parse(json.body) as { type: string }[];
    expect(events.map((e) => e.type)).toEqual(["AddressAllocated", "AllocationAdopted"]);
    expect((await world.agent.app.inject({ method: "GET", url: "/v1/export/things?format=csv" })).statusCode).toBe(400);
  });

  it("POST /v1/attribute answers a batch of probes like who does", async () => {
    const { ip, atMs } = world.stories.adoption;
    const reply = await world.agent.app.inject({
      method: "POST",
      url: "/v1/attribute",
      payload: {
        probes: [
          { ip, at: atMs - 1 },
          { ip, at: iso(atMs) },
          { ip: "10.99.0.1", at: atMs },
          { ip: "nope", at: atMs },
          { ip, at: "yesterday" },
        ],
      },
    });
    expect(reply.statusCode).toBe(200);
    const results = (reply.json() as { results: { holders?: Holder[]; error?: string }[] }).results;
    const mainDomain = (holders: Holder[] | undefined) =>
      holders?.filter((h) => h.domain === "").map((h) => h.containerId);
    expect(results.map((r) => mainDomain(r.holders) ?? r.error?.slice(0, 20))).toEqual([
      ["c-db-0-a"],
      ["c-db-0-b"],
      [],
      '"nope" is not an IP ',
      'at "yesterday" is no',
    ]);
  });

  it("an auditor token may query but not allocate; no token is refused", async () => {
    const { service, queries, runner, metrics } = world.agent;
    const tcp = buildApp({ service, queries, runner, metrics, auth: loadTokenFile(writeTokenFile(tokenDir)) });
    try {
      const as = (token: string | undefined, method: "GET" | "POST", url: string, payload?: unknown) =>
        tcp.inject({
          method,
          url,
          ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
          ...(payload ? { payload: payload as object } : {}),
        });
      for (const url of [
        "/v1/who?ip=10.30.0.1",
        "/v1/history?pod=shop/web-0",
        `/v1/pool-state?pool=${NETWORKS.main.pool}`,
        "/v1/changes?since=2026-03-01T00:00:00Z",
        "/v1/export/events?format=ndjson",
      ]) {
        expect((await as(AUDITOR_TOKEN, "GET", url)).statusCode, url).toBe(200);
      }
      expect(
        (await as(AUDITOR_TOKEN, "POST", "/v1/attribute", { probes: [{ ip: "10.30.0.1", at: 0 }] })).statusCode,
      ).toBe(200);
      const add = await as(AUDITOR_TOKEN, "POST", "/v1/cni/add", cniBody({ pod: { name: "sneaky" } }));
      expect(add.statusCode).toBe(403);
      expect((await as(undefined, "GET", "/v1/who?ip=10.30.0.1")).statusCode).toBe(401);
      expect((await as(ADMIN_TOKEN, "GET", "/v1/who?ip=10.30.0.1")).statusCode).toBe(200);
    } finally {
      await tcp.close();
    }
  });

  it("consistent=1 waits until the fold has applied what another writer just appended", async () => {
    const writer = await startExtraWriter(world.agent.dataDir, "node-z", () => new Date(world.endMs + 3_600_000));
    try {
      const { result } = await writer.service.add(
        cniBody({
          name: "late",
          ipam: { range: "10.50.0.0/24", network_name: "late" },
          pod: { namespace: "late", name: "late-0" },
        }),
      );
      const ip = ((result.ips as { address: string }[])[0]?.address ?? "").split("/")[0];
      // The agent's fold learns of other connections' appends by polling; consistent=1 waits for it.
      const reply = await getJson(world.agent.app, `/v1/who?ip=${ip}&at=${world.endMs + 3_600_000}&consistent=1`);
      expect(reply.body).toMatchObject({ holder: { podName: "late-0", node: "node-z" } });
    } finally {
      await writer.close();
    }
  });
});
