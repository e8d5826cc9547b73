import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { EventOf, LoggedEvent } from "../../../ledger/core/index.js";
import { createCniService } from "../../../src/cni/cniService.js";
import { addOk, cni, cniError, expectLedgerSound, getJson, type ResultIp } from "../../support/agent/agentCalls.js";
import { cniBody, podArgs } from "../../support/agent/cniBodies.js";
import { manualClock } from "../../support/agent/manualClock.js";
import { startTestAgent, type TestAgent, type TestAgentOptions } from "../../support/agent/testAgent.js";

// The agent's CNI and query API through app.inject(), on a real SQLite log and projection.
// After every scenario the projection must satisfy the invariants and equal a fresh replay.

let agent: TestAgent;

async function restartWith(options: TestAgentOptions): Promise<TestAgent> {
  await agent.close();
  agent = await startTestAgent(options);
  return agent;
}

beforeEach(async () => {
  agent = await startTestAgent();
});

afterEach(async () => {
  try {
    await expectLedgerSound(agent.log, agent.projection);
  } finally {
    await agent.close();
  }
});

type EventType = LoggedEvent["event"]["type"];
async function eventsOf<T extends EventType>(type: T): Promise<EventOf<T>[]> {
  return (await agent.events())
    .map((logged) => logged.event)
    .filter((event): event is EventOf<T> => event.type === type);
}

async function allocations(): Promise<
  { ip: string; containerId: string; podName: string; requested: boolean; domain: string; pool: string }[]
> {
  const reply = await getJson(agent.app, "/v1/allocations");
  expect(reply.status).toBe(200);
  return reply.body.allocations as never;
}

const README = { range: "192.168.2.225/28", exclude: ["192.168.2.229/30", "192.168.2.236/32"] };

describe("ADD", () => {
  it("gives the lowest free address (README example) and POOL_EXHAUSTED (code 100) after the 9th", async () => {
    const got: string[] = [];
    for (let n = 1; n <= 9; n += 1)
      got.push(...(await addOk(agent.app, cniBody({ ipam: README, pod: { name: `pod-${n}` } }))));
    expect(got).toEqual(
      [".225", ".226", ".227", ".232", ".233", ".234", ".235", ".237", ".238"].map((host) => `192.168.2${host}/28`),
    );

    const before = await agent.logSize();
    const { status, error } = await cniError(agent.app, "add", cniBody({ ipam: README, pod: { name: "pod-10" } }));
    expect(status).toBe(409);
    expect(error).toMatchObject({ cniVersion: "1.0.0", code: 100, msg: "Pool exhausted" });
    expect(error.details).toContain("192.168.2.224-28");
    expect(error.details).toMatch(/widen the range|release addresses/);
    expect(await agent.logSize()).toBe(before);
  });

  it.each([
    { cniVersion: "0.3.1", legacy: true },
    { cniVersion: "0.4.0", legacy: true },
    { cniVersion: "1.0.0", legacy: false },
  ])("answers in the config's cniVersion $cniVersion", async ({ cniVersion, legacy }) => {
    const reply = await cni(
      agent.app,
      "add",
      cniBody({ cniVersion, ipam: { range: "10.20.0.0/24", gateway: "10.20.0.254" } }),
    );
    expect(reply.status).toBe(200);
    expect(reply.body.cniVersion).toBe(cniVersion);
    const ips = reply.body.ips as ResultIp[];
    if (legacy) {
      expect(ips).toEqual([{ version: "4", address: "10.20.0.1/24", gateway: "10.20.0.254" }]);
      expect(reply.body.dns).toEqual({});
    } else {
      expect(ips).toEqual([{ address: "10.20.0.1/24", gateway: "10.20.0.254" }]);
      expect(reply.body).not.toHaveProperty("dns");
    }
  });

  it("passes routes, dns and static addresses through after the dynamic ones", async () => {
    const ipam = {
      range: "10.21.0.0/24",
      routes: [{ dst: "0.0.0.0/0", gw: "10.21.0.254" }],
      dns: { nameservers: ["10.21.0.53"], search: ["svc.local"] },
      addresses: [{ address: "10.99.0.5/24", gateway: "10.99.0.1" }],
    };
    const reply = await cni(agent.app, "add", cniBody({ ipam }));
    expect(reply.body).toEqual({
      cniVersion: "1.0.0",
      ips: [{ address: "10.21.0.1/24" }, { address: "10.99.0.5/24", gateway: "10.99.0.1" }],
      routes: ipam.routes,
      dns: ipam.dns,
    });
    // Static addresses are never recorded.
    expect((await allocations()).map((row) => row.ip)).toEqual(["10.21.0.1"]);
  });

  it("is idempotent for the same containerId + ifName: same address, no new event", async () => {
    const first = await addOk(agent.app, cniBody({ pod: { name: "web-0" } }));
    const size = await agent.logSize();
    const again = await addOk(agent.app, cniBody({ pod: { name: "web-0" } }));
    expect(again).toEqual(first);
    expect(await agent.logSize()).toBe(size);
  });

  it("gives a new sandbox of the same pod + ifName the same address with AllocationAdopted", async () => {
    await addOk(agent.app, cniBody({ pod: { name: "other" } }));
    const first = await addOk(agent.app, cniBody({ pod: { name: "web-0" }, containerId: "sandbox-old" }));
    const second = await addOk(agent.app, cniBody({ pod: { name: "web-0" }, containerId: "sandbox-new" }));
    expect(second).toEqual(first);
    expect(await eventsOf("AllocationAdopted")).toMatchObject([
      {
        data: {
          ip: "10.10.0.2",
          fromContainerId: "sandbox-old",
          toContainerId: "sandbox-new",
          owner: { podName: "web-0", containerId: "sandbox-new" },
        },
      },
    ]);
    expect((await allocations()).find((row) => row.ip === "10.10.0.2")?.containerId).toBe("sandbox-new");

    // A late DEL for the old sandbox must not free the new sandbox's address.
    const size = await agent.logSize();
    expect((await cni(agent.app, "del", cniBody({ pod: { name: "web-0" }, containerId: "sandbox-old" }))).status).toBe(
      200,
    );
    expect(await agent.logSize()).toBe(size);
    expect((await allocations()).find((row) => row.ip === "10.10.0.2")?.containerId).toBe("sandbox-new");
  });

  it("gives different interfaces of one pod different addresses", async () => {
    const net1 = await addOk(agent.app, cniBody({ ifName: "net1" }));
    const net2 = await addOk(agent.app, cniBody({ ifName: "net2" }));
    expect([net1, net2]).toEqual([["10.10.0.1/24"], ["10.10.0.2/24"]]);
  });

  it("gives dual-stack range + ipRanges one address each, in order, with the gateway on its own family only", async () => {
    const ips = await cni(
      agent.app,
      "add",
      cniBody({ ipam: { range: "10.20.0.0/24", gateway: "10.20.0.254", ipRanges: [{ range: "fd00:20::/64" }] } }),
    );
    expect(ips.body.ips).toEqual([{ address: "10.20.0.1/24", gateway: "10.20.0.254" }, { address: "fd00:20::1/64" }]);
    expect((await allocations()).map((row) => row.pool).sort()).toEqual(["10.20.0.0-24", "fd00-20---64"]);
  });
});

describe("DEL", () => {
  it("releases by containerId + ifName, and a repeated DEL succeeds and appends nothing", async () => {
    await addOk(agent.app, cniBody({ pod: { name: "a" } }));
    await addOk(agent.app, cniBody({ pod: { name: "b" } }));
    expect((await cni(agent.app, "del", cniBody({ pod: { name: "a" } }))).body).toEqual({});
    expect((await allocations()).map((row) => row.podName)).toEqual(["b"]);
    expect(await eventsOf("AddressReleased")).toMatchObject([
      { data: { ip: "10.10.0.1", reason: "cni-del", owner: { containerId: "c-a" } } },
    ]);

    const size = await agent.logSize();
    expect((await cni(agent.app, "del", cniBody({ pod: { name: "a" } }))).status).toBe(200);
    expect((await cni(agent.app, "del", cniBody({ pod: { name: "never-added" } }))).status).toBe(200);
    expect(await agent.logSize()).toBe(size);
  });
});

describe("requested addresses", () => {
  it("allocates runtimeConfig.ips and CNI_ARGS IP= as requested addresses", async () => {
    expect(await addOk(agent.app, cniBody({ pod: { name: "a" }, runtimeConfig: { ips: ["10.10.0.50/24"] } }))).toEqual([
      "10.10.0.50/24",
    ]);
    expect(
      await addOk(agent.app, cniBody({ pod: { name: "b" }, args: podArgs({ name: "b" }, { IP: "10.10.0.60/24" }) })),
    ).toEqual(["10.10.0.60/24"]);
    expect(await addOk(agent.app, cniBody({ pod: { name: "c" } }))).toEqual(["10.10.0.1/24"]);
    const rows = await allocations();
    expect(rows.map(({ ip, requested }) => ({ ip, requested }))).toEqual([
      { ip: "10.10.0.1", requested: false },
      { ip: "10.10.0.50", requested: true },
      { ip: "10.10.0.60", requested: true },
    ]);
    expect(
      (await eventsOf("AddressAllocated")).filter((event) => event.data.requested).map((event) => event.data.ip),
    ).toEqual(["10.10.0.50", "10.10.0.60"]);
  });

  it("refuses an address held by another pod (101, naming the holder) and one outside every range (102)", async () => {
    await addOk(agent.app, cniBody({ pod: { name: "holder" }, runtimeConfig: { ips: ["10.10.0.50/24"] } }));
    const size = await agent.logSize();
    const held = await cniError(
      agent.app,
      "add",
      cniBody({ pod: { name: "thief" }, runtimeConfig: { ips: ["10.10.0.50"] } }),
    );
    expect(held.status).toBe(409);
    expect(held.error).toMatchObject({ code: 101, msg: "Address in use" });
    expect(held.error.details).toContain("pod ns/holder");
    expect(held.error.details).toMatch(/request another address|release that one/);

    const outside = await cniError(
      agent.app,
      "add",
      cniBody({ pod: { name: "thief" }, args: podArgs({ name: "thief" }, { IP: "172.16.0.9/24" }) }),
    );
    expect(outside.error).toMatchObject({ code: 102 });
    expect(outside.error.details).toContain("10.10.0.0/24");
    expect(await agent.logSize()).toBe(size);
  });
});

describe("sticky", () => {
  it("gives a re-added pod its old address even when lower ones are free", async () => {
    await addOk(agent.app, cniBody({ pod: { name: "a" } }));
    expect(await addOk(agent.app, cniBody({ pod: { name: "b" } }))).toEqual(["10.10.0.2/24"]);
    await cni(agent.app, "del", cniBody({ pod: { name: "a" } }));
    await cni(agent.app, "del", cniBody({ pod: { name: "b" } }));
    expect(await addOk(agent.app, cniBody({ pod: { name: "b" }, containerId: "c-b-2" }))).toEqual(["10.10.0.2/24"]);
  });

  it("with sticky: false gives the lowest free address", async () => {
    const ipam = { sticky: false };
    await addOk(agent.app, cniBody({ ipam, pod: { name: "a" } }));
    await addOk(agent.app, cniBody({ ipam, pod: { name: "b" } }));
    await cni(agent.app, "del", cniBody({ ipam, pod: { name: "a" } }));
    await cni(agent.app, "del", cniBody({ ipam, pod: { name: "b" } }));
    expect(await addOk(agent.app, cniBody({ ipam, pod: { name: "b" }, containerId: "c-b-2" }))).toEqual([
      "10.10.0.1/24",
    ]);
  });
});

describe("reuse_cooldown_seconds", () => {
  it("keeps a released address from other pods until the cooldown ends", async () => {
    const clock = manualClock();
    await restartWith({ now: clock.now });
    const ipam = { range: "10.30.0.0/29", reuse_cooldown_seconds: 30, sticky: false };
    await addOk(agent.app, cniBody({ ipam, pod: { name: "a" } }));
    await addOk(agent.app, cniBody({ ipam, pod: { name: "b" } }));
    clock.advance(1_000);
    await cni(agent.app, "del", cniBody({ ipam, pod: { name: "a" } }));
    clock.advance(1_000);
    expect(await addOk(agent.app, cniBody({ ipam, pod: { name: "c" } }))).toEqual(["10.30.0.3/29"]);
    clock.advance(20_000);
    expect(await addOk(agent.app, cniBody({ ipam, pod: { name: "d" } }))).toEqual(["10.30.0.4/29"]);
    // The releasing pod itself may have it back during the cooldown.
    expect(await addOk(agent.app, cniBody({ ipam, pod: { name: "a" }, containerId: "c-a-2" }))).toEqual([
      "10.30.0.1/29",
    ]);
    await cni(agent.app, "del", cniBody({ ipam, pod: { name: "a" }, containerId: "c-a-2" }));
    clock.advance(30_001);
    expect(await addOk(agent.app, cniBody({ ipam, pod: { name: "e" } }))).toEqual(["10.30.0.1/29"]);
  });
});

describe("multi-range rollback", () => {
  it("releases the first range's new address with reason rollback when the second range runs out", async () => {
    const rangeB = "10.50.0.0/30"; // usable: .1 and .2
    const ipamX = { range: "10.40.0.0/24", ipRanges: [{ range: rangeB }] };
    await addOk(agent.app, cniBody({ ipam: { range: rangeB }, pod: { name: "filler" } }));
    // A rival agent (own service, same log and fold) takes B's last address after X decided, before X appends.
    const rival = createCniService({ log: agent.log, runner: agent.runner, node: "rival-node" });
    agent.beforeAppend = async (_domain, events) => {
      if (!events.some((event) => event.type === "AddressAllocated" && event.data.owner.podName === "x")) return;
      agent.beforeAppend = undefined;
      await rival.add(cniBody({ ipam: { range: rangeB }, pod: { name: "rival" } }));
    };

    const { error } = await cniError(agent.app, "add", cniBody({ ipam: ipamX, pod: { name: "x" } }));
    expect(error.code).toBe(100);
    expect(error.details).toContain("10.50.0.0-30");

    const released = await eventsOf("AddressReleased");
    expect(released).toMatchObject([
      { pool: "10.40.0.0-24", data: { ip: "10.40.0.1", reason: "rollback", owner: { podName: "x" } } },
    ]);
    const rows = await allocations();
    expect(rows.filter((row) => row.podName === "x")).toEqual([]);
    expect(rows.map((row) => `${row.podName}=${row.ip}`).sort()).toEqual(["filler=10.50.0.1", "rival=10.50.0.2"]);
    expect(agent.service.contention.voids).toBe(1);
  });

  it("appends nothing when the second range is already exhausted at decision time", async () => {
    const rangeB = "10.50.0.0/30";
    await addOk(agent.app, cniBody({ ipam: { range: rangeB }, pod: { name: "f1" } }));
    await addOk(agent.app, cniBody({ ipam: { range: rangeB }, pod: { name: "f2" } }));
    const size = await agent.logSize();
    const { error } = await cniError(
      agent.app,
      "add",
      cniBody({ ipam: { range: "10.40.0.0/24", ipRanges: [{ range: rangeB }] }, pod: { name: "x" } }),
    );
    expect(error.code).toBe(100);
    expect(await agent.logSize()).toBe(size);
  });
});

describe("allocation domains", () => {
  it("network_name separates domains: the same range gives the same address twice", async () => {
    const a = await addOk(
      agent.app,
      cniBody({ ipam: { range: "10.60.0.0/24", network_name: "net-a" }, pod: { name: "a" } }),
    );
    const b = await addOk(
      agent.app,
      cniBody({ ipam: { range: "10.60.0.0/24", network_name: "net-b" }, pod: { name: "b" } }),
    );
    expect([a, b]).toEqual([["10.60.0.1/24"], ["10.60.0.1/24"]]);
    expect((await allocations()).map((row) => `${row.domain}|${row.pool}`)).toEqual([
      "net-a|net-a-10.60.0.0-24",
      "net-b|net-b-10.60.0.0-24",
    ]);
  });

  it("never gives the same address from two overlapping pools of one domain", async () => {
    const got = [
      ...(await addOk(agent.app, cniBody({ ipam: { range: "10.70.0.0/24" }, pod: { name: "a" } }))),
      ...(await addOk(agent.app, cniBody({ ipam: { range: "10.70.0.0/25" }, pod: { name: "b" } }))),
      ...(await addOk(agent.app, cniBody({ ipam: { range: "10.70.0.0-10.70.0.9/24" }, pod: { name: "c" } }))),
      ...(await addOk(agent.app, cniBody({ ipam: { range: "10.70.0.0/25" }, pod: { name: "d" } }))),
    ];
    expect(got).toEqual(["10.70.0.1/24", "10.70.0.2/25", "10.70.0.3/24", "10.70.0.4/25"]);
  });

  it("enable_overlapping_ranges: false gives the pool a domain of its own", async () => {
    await addOk(agent.app, cniBody({ ipam: { range: "10.70.0.0/24" }, pod: { name: "a" } }));
    const own = await addOk(
      agent.app,
      cniBody({ ipam: { range: "10.70.0.0/25", enable_overlapping_ranges: false }, pod: { name: "b" } }),
    );
    expect(own).toEqual(["10.70.0.1/25"]);
    expect((await allocations()).map((row) => row.domain).sort()).toEqual(["", "pool:10.70.0.0-25"]);
  });
});

describe("GC, CHECK and STATUS", () => {
  it("GC releases every attachment not in cni.dev/valid-attachments", async () => {
    for (const name of ["a", "b", "c"]) await addOk(agent.app, cniBody({ pod: { name } }));
    const valid = [
      { containerID: "c-a", ifname: "net1" },
      { containerID: "c-c", ifname: "net1" },
    ];
    const reply = await cni(
      agent.app,
      "gc",
      cniBody({ config: { "cni.dev/valid-attachments": valid }, containerId: "", ifName: "" }),
    );
    expect(reply).toEqual({ status: 200, body: { released: 1 } });
    expect((await allocations()).map((row) => row.podName)).toEqual(["a", "c"]);
    expect(await eventsOf("AddressReleased")).toMatchObject([{ data: { ip: "10.10.0.2", reason: "cni-gc" } }]);
  });

  it("CHECK passes with a matching prevResult and fails with 105 when the address is not recorded", async () => {
    const added = await cni(
      agent.app,
      "add",
      cniBody({ pod: { name: "a" }, ipam: { addresses: [{ address: "10.99.0.5/24" }] } }),
    );
    const ok = await cni(
      agent.app,
      "check",
      cniBody({
        pod: { name: "a" },
        ipam: { addresses: [{ address: "10.99.0.5/24" }] },
        config: { prevResult: added.body },
      }),
    );
    expect(ok).toEqual({ status: 200, body: {} });

    const wrong = await cniError(
      agent.app,
      "check",
      cniBody({
        pod: { name: "a" },
        config: { prevResult: { cniVersion: "1.0.0", ips: [{ address: "10.10.0.77/24" }] } },
      }),
    );
    expect(wrong.error).toMatchObject({ code: 105, msg: "CHECK failed" });
    expect(wrong.error.details).toContain("10.10.0.77");

    const unknown = await cniError(
      agent.app,
      "check",
      cniBody({ pod: { name: "ghost" }, config: { prevResult: added.body } }),
    );
    expect(unknown.error.code).toBe(105);
    const noPrev = await cniError(agent.app, "check", cniBody({ pod: { name: "a" } }));
    expect(noPrev.error.code).toBe(105);
    expect(noPrev.error.details).toContain("prevResult");
  });

  it("STATUS is ok with room left and answers 50 when the pool is exhausted", async () => {
    const ipam = { range: "10.80.0.0/30" };
    expect(await cni(agent.app, "status", cniBody({ ipam, containerId: "", ifName: "" }))).toEqual({
      status: 200,
      body: {},
    });
    await addOk(agent.app, cniBody({ ipam, pod: { name: "a" } }));
    expect((await cni(agent.app, "status", cniBody({ ipam }))).status).toBe(200);
    await addOk(agent.app, cniBody({ ipam, pod: { name: "b" } }));
    const { error } = await cniError(agent.app, "status", cniBody({ ipam, containerId: "", ifName: "" }));
    expect(error).toMatchObject({ code: 50, msg: "Plugin not available" });
    expect(error.details).toContain("10.80.0.0-30");
  });
});

describe("query API", () => {
  it("answers who, history, pools, allocations, healthz, readyz and metrics", async () => {
    await addOk(agent.app, cniBody({ pod: { name: "a", namespace: "team" } }));
    await cni(agent.app, "del", cniBody({ pod: { name: "a", namespace: "team" } }));
    await addOk(agent.app, cniBody({ pod: { name: "b", namespace: "team" }, ipam: { sticky: false } }));

    const who = await getJson(agent.app, "/v1/who?ip=10.10.0.1");
    expect(who.status).toBe(200);
    expect(who.body.holder).toMatchObject({
      ip: "10.10.0.1",
      podNamespace: "team",
      podName: "b",
      containerId: "c-b",
      to: null,
    });
    expect(who.body.basis).toEqual({ "0": await agent.logSize() });
    expect((await getJson(agent.app, "/v1/who?ip=10.10.0.200")).body.holder).toBeNull();

    const byIp = await getJson(agent.app, "/v1/history?ip=10.10.0.1");
    expect(
      (byIp.body.holders as { podName: string; endReason: string | null }[]).map((h) => [h.podName, h.endReason]),
    ).toEqual([
      ["a", "cni-del"],
      ["b", null],
    ]);
    const byPod = await getJson(agent.app, "/v1/history?pod=team/a");
    expect(byPod.body.holders).toMatchObject([{ ip: "10.10.0.1", podName: "a", endReason: "cni-del" }]);
    expect((await getJson(agent.app, "/v1/history?pod=team")).status).toBe(400);

    const pools = await getJson(agent.app, "/v1/pools");
    expect(pools.body.pools).toMatchObject([
      { pool: "10.10.0.0-24", domain: "", range: "10.10.0.0/24", start: "10.10.0.1", end: "10.10.0.254", allocated: 1 },
    ]);
    expect((await allocations()).map((row) => row.ip)).toEqual(["10.10.0.1"]);

    expect(await getJson(agent.app, "/healthz")).toEqual({ status: 200, body: { ok: true } });
    expect(await getJson(agent.app, "/readyz")).toMatchObject({ status: 200, body: { ready: true } });
    const metrics = await agent.app.inject({ method: "GET", url: "/metrics" });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toMatch(/^ipledger_allocations_total 2$/m);
    expect(metrics.body).toMatch(/^ipledger_releases_total 1$/m);
    expect(metrics.body).toContain('ipledger_pool_used_addresses{pool="10.10.0.0-24",domain=""} 1');
  });
});
