import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openConsoleData, type ConsoleData, type PoolView } from "../../../src/console/consoleData.js";
import { startTestAgent, type TestAgent } from "../../support/agent/testAgent.js";
import { cniBody } from "../../support/agent/cniBodies.js";
import { manualClock } from "../../support/agent/manualClock.js";
import { deciderWriter } from "../../support/console/deciderWrites.js";

/**
 * The console's pool view and spans read the same over an agent's socket (whole rows, paged) as
 * over its data directory (lean indexed reads): the socket is the real agent app listening on a
 * unix socket in a temporary directory, the data directory its real projection.
 */
describe("the console's reads agree over a socket and a data directory", () => {
  const clock = manualClock(Date.parse("2026-02-01T00:00:00Z"));
  let agent: TestAgent;
  let socketDir: string;
  let overSocket: ConsoleData;
  let overDataDir: ConsoleData;
  const instants: number[] = [];

  beforeAll(async () => {
    agent = await startTestAgent({ now: clock.now });
    const writer = deciderWriter(agent, clock.now);
    const network = { name: "lean", ipam: { range: "10.81.0.0/24" } };
    const body = (i: number) =>
      cniBody({
        ...network,
        pod: { namespace: "ns", name: `pod-${i}`, uid: `uid-${i}` },
        containerId: `c-${i}`,
      });
    for (let i = 0; i < 60; i += 1) {
      clock.advance(60_000);
      await writer.allocate(body(i));
      if (i % 3 === 0) {
        clock.advance(30_000);
        await writer.release(`c-${i - (i % 6)}`);
      }
      if (i % 15 === 0) instants.push(clock.now().getTime());
    }
    instants.push(clock.now().getTime() + 1);
    await agent.runner.waitForCatchUp(30_000);
    socketDir = mkdtempSync(join(tmpdir(), "ipledger-console-sources-"));
    const socket = join(socketDir, "agent.sock");
    await agent.app.listen({ path: socket });
    overSocket = await openConsoleData({ socket, dataDir: socketDir, topic: "unused", kafkaPartitions: 1 });
    overDataDir = await openConsoleData({ dataDir: agent.dataDir, topic: "unused", kafkaPartitions: 1 });
  }, 120_000);

  afterAll(async () => {
    await overSocket?.close();
    await overDataDir?.close();
    await agent?.close();
    if (socketDir) rmSync(socketDir, { recursive: true, force: true });
  });

  const plain = async (view: PoolView) => {
    // The agent's pool-state answer also names its basis; /api/pool replaces it with the console's.
    const { rows, holders, otherPools, ...rest } = view as PoolView & { basis?: unknown };
    delete rest.basis;
    return {
      ...rest,
      holders: holders.map(({ ip, pool }) => ({ ip, pool })),
      otherPools: otherPools.map(({ ip, pool }) => ({ ip, pool })),
      page: await rows(2, 12),
    };
  };

  it("given a pool with churn, when viewed at several instants, then both sources give the same view and rows", async () => {
    expect(overSocket.kind).toBe("socket");
    for (const atMs of instants) {
      const socketView = await plain(await overSocket.poolView("10.81.0.0-24", atMs));
      expect(await plain(await overDataDir.poolView("10.81.0.0-24", atMs))).toEqual(socketView);
    }
    const last = await overDataDir.poolView("10.81.0.0-24", instants[instants.length - 1] as number);
    expect(last.holders.length).toBeGreaterThan(20);
  });

  it("given the pool's and one address's tenancies, when read as spans, then both sources give the same spans and rows", async () => {
    for (const filter of [{ pool: "10.81.0.0-24" }, { ip: "10.81.0.1" }]) {
      const bySocket = await overSocket.spans(filter, 10_000);
      const byDataDir = await overDataDir.spans(filter, 10_000);
      const withoutId = (spans: typeof bySocket.spans) => spans.map(({ id: _id, ...span }) => span);
      expect(withoutId(byDataDir.spans)).toEqual(withoutId(bySocket.spans));
      expect(await byDataDir.rows(0, 50)).toEqual(await bySocket.rows(0, 50));
    }
    await expect(overDataDir.spans({ pool: "10.81.0.0-24" }, 5)).rejects.toMatchObject({ code: "REQUEST_TOO_LARGE" });
    await expect(overSocket.spans({ pool: "10.81.0.0-24" }, 5)).rejects.toMatchObject({ code: "REQUEST_TOO_LARGE" });
  });
});
