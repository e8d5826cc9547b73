import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { definePool, EVENT_SCHEMA_VERSION, type UnchainedEvent } from "../../../ledger/core/index.js";
import { createCniService } from "../../../src/cni/cniService.js";
import { addOk, cni, cniError, expectLedgerSound, type ResultIp } from "../../support/agent/agentCalls.js";
import { cniBody } from "../../support/agent/cniBodies.js";
import { recordingLogger } from "../../support/agent/recordingLogger.js";
import { startTestAgent, type TestAgent } from "../../support/agent/testAgent.js";

// What an ADD hands out and what the agent says about it: the gateway is never a pod's address,
// static addresses come back canonical, a failed rollback is logged, and a writer whose clock
// runs ahead is reported (metric + warning) without touching the fold.

let agent: TestAgent | undefined;
const logger = recordingLogger();

async function start(options: Parameters<typeof startTestAgent>[0] = {}): Promise<TestAgent> {
  logger.lines.length = 0;
  agent = await startTestAgent({ logger, ...options });
  return agent;
}

afterEach(async () => {
  if (!agent) return;
  try {
    await expectLedgerSound(agent.log, agent.projection);
  } finally {
    await agent.close();
    agent = undefined;
  }
});

const addLines = () => logger.lines.filter((line) => line.message.startsWith("CNI ADD"));

describe("the gateway", () => {
  it("given range 10.95.0.0/24 with gateway 10.95.0.1, the pod gets 10.95.0.2 and the ADD line warns that the window holds the gateway", async () => {
    const { app } = await start();
    expect(
      await addOk(app, cniBody({ pod: { name: "a" }, ipam: { range: "10.95.0.0/24", gateway: "10.95.0.1" } })),
    ).toEqual(["10.95.0.2/24"]);
    expect(addLines()).toMatchObject([
      {
        level: "warn",
        details: {
          ips: ["10.95.0.2/24"],
          warnings: [
            expect.stringMatching(
              /pool 10\.95\.0\.0-24: gateway 10\.95\.0\.1 lies inside the window 10\.95\.0\.1-10\.95\.0\.254; ipledger never hands it out/,
            ),
          ],
        },
      },
    ]);
  });

  it("logs a plain info line when range_start keeps the gateway out of the window", async () => {
    const { app } = await start();
    expect(
      await addOk(
        app,
        cniBody({
          pod: { name: "a" },
          ipam: { range: "10.95.0.0/24", gateway: "10.95.0.1", range_start: "10.95.0.10" },
        }),
      ),
    ).toEqual(["10.95.0.10/24"]);
    expect(addLines()).toMatchObject([{ level: "info", details: { pod: "ns/a", ips: ["10.95.0.10/24"] } }]);
  });

  it("given a bridge with isGateway and a v6 ipRanges entry without a gateway, the pod never gets ::1, which the bridge takes", async () => {
    const { app } = await start();
    const body = cniBody({
      pod: { name: "dual" },
      config: { isGateway: true },
      ipam: { range: "10.95.0.0/24", gateway: "10.95.0.1", ipRanges: [{ range: "fd00:95::/64" }] },
    });
    const reply = await cni(app, "add", body);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body.ips).toEqual([{ address: "10.95.0.2/24", gateway: "10.95.0.1" }, { address: "fd00:95::2/64" }]);
    expect(addLines()[0]?.details.warnings).toEqual([
      expect.stringContaining("gateway 10.95.0.1"),
      expect.stringMatching(/fd00:95::1, which the bridge \(isGateway, no gateway configured\) takes for itself/),
    ]);
  });

  it("gives a v6 ipRanges entry its own gateway, keeps it back and puts it on the address", async () => {
    const { app } = await start();
    const reply = await cni(
      app,
      "add",
      cniBody({
        pod: { name: "v6" },
        ipam: { range: undefined, ipRanges: [{ range: "fd00:96::/120", gateway: "fd00:96::1" }] },
      }),
    );
    expect(reply.body.ips).toEqual([{ address: "fd00:96::2/120", gateway: "fd00:96::1" }]);
  });
});

describe("static addresses", () => {
  it("come back in canonical form, as Whereabouts prints them, and CHECK accepts them", async () => {
    const { app } = await start();
    const ipam = {
      addresses: [
        { address: "3ffe:ffff:0:01ff::1/64", gateway: "3ffe:ffff:0:01ff::fffe" },
        { address: "010.099.000.005/24" },
      ],
    };
    const reply = await cni(app, "add", cniBody({ pod: { name: "s" }, ipam }));
    const ips = reply.body.ips as ResultIp[];
    expect(ips.slice(1)).toEqual([
      { address: "3ffe:ffff:0:1ff::1/64", gateway: "3ffe:ffff:0:1ff::fffe" },
      { address: "10.99.0.5/24" },
    ]);
    const check = await cni(
      app,
      "check",
      cniBody({ pod: { name: "s" }, ipam, config: { prevResult: { cniVersion: "1.0.0", ips } } }),
    );
    expect(check.status, JSON.stringify(check.body)).toBe(200);
  });
});

describe("a failed rollback", () => {
  it("is logged with the addresses it leaves held, and the ADD still fails with its own error", async () => {
    const started = await start({ appendTimeoutMs: 2_000 });
    const rangeB = "10.51.0.0/30";
    await addOk(started.app, cniBody({ ipam: { range: rangeB }, pod: { name: "filler" } }));
    const rival = createCniService({ log: started.log, runner: started.runner, node: "rival-node" });
    started.beforeAppend = async (_domain, events) => {
      if (events.some((event) => event.type === "AddressReleased" && event.data.reason === "rollback"))
        throw new Error("disk full (injected)");
      if (!events.some((event) => event.type === "AddressAllocated" && event.data.owner.podName === "x")) return;
      started.beforeAppend = async (_d, later) => {
        if (later.some((event) => event.type === "AddressReleased")) throw new Error("disk full (injected)");
      };
      await rival.add(cniBody({ ipam: { range: rangeB }, pod: { name: "rival" } }));
    };
    const { error } = await cniError(
      started.app,
      "add",
      cniBody({ ipam: { range: "10.41.0.0/24", ipRanges: [{ range: rangeB }] }, pod: { name: "x" } }),
    );
    started.beforeAppend = undefined;
    expect(error.code).toBe(100);
    expect(logger.lines.filter((line) => line.level === "error")).toMatchObject([
      {
        details: {
          containerId: "c-x",
          ifName: "net1",
          ips: ["10.41.0.1"],
          err: { message: expect.stringContaining("disk full (injected)") },
        },
        message: expect.stringMatching(/rollback failed too: these addresses stay held/),
      },
    ]);
  });
});

describe("forward clock skew", () => {
  const poolDefined = (aheadMs: number, node: string): UnchainedEvent => ({
    v: EVENT_SCHEMA_VERSION,
    id: randomUUID(),
    type: "PoolDefined",
    domain: "",
    pool: "10.97.0.0-24",
    at: new Date(Date.now() + aheadMs).toISOString(),
    actor: { node, component: "agent" },
    data: definePool(
      { range: "10.97.0.0/24", exclude: [], key: "ipam" },
      { networkName: "", reuseCooldownSeconds: 0, overlappingRanges: true },
    ).definition,
  });

  it("counts and warns about an event stamped an hour ahead, not one 5 s ahead, and the fold applies both", async () => {
    const started = await start({ clockSkewWarnMs: 60_000 });
    const late = poolDefined(3_600_000, "fast-node");
    await started.log.append("", [poolDefined(5_000, "ntp-ok-node"), late]);
    await started.runner.waitForCatchUp(10_000);
    const metrics = await started.metrics.registry.getSingleMetricAsString("ipledger_clock_skew_events_total");
    expect(metrics).toContain('ipledger_clock_skew_events_total{writer="fast-node"} 1');
    expect(metrics).not.toContain("ntp-ok-node");
    expect(logger.lines.filter((line) => line.level === "warn")).toMatchObject([
      {
        details: { eventId: late.id, writer: "fast-node", aheadSeconds: expect.any(Number) },
        message: expect.stringMatching(/ahead of this agent's clock by node fast-node; check NTP/),
      },
    ]);
    expect(started.runner.state.pools.size).toBe(1);
  });
});
