// Real everything: Debian's macvlan plugin on a dummy master delegates IPAM to the compiled
// `ipledger` plugin, which talks to the real agent. A dummy master carries no traffic, and nothing
// is ever sent to the assigned addresses.
import { afterAll, beforeAll, expect, it } from "vitest";
import { Cleanup } from "../support/e2e/cleanup.js";
import { podArgs } from "../support/e2e/cniExec.js";
import { startWorld, type E2eWorld } from "../support/e2e/e2eWorld.js";
import {
  addressesIn,
  canonicalIp,
  createDummy,
  createNetns,
  createNetnsBatch,
  linkExists,
  netnsPath,
  uniqueName,
} from "../support/e2e/network.js";
import { MACVLAN } from "../support/e2e/repoPaths.js";
import { describeE2e } from "../support/e2e/suite.js";

function macvlanConfig(master: string, ipam: Record<string, unknown>): Record<string, unknown> {
  return {
    cniVersion: "1.0.0",
    name: `e2e-${master}`,
    type: "macvlan",
    master,
    mode: "bridge",
    ipam: { type: "ipledger", ...ipam },
  };
}

function addressesOf(result: Record<string, unknown>): string[] {
  return ((result["ips"] ?? []) as { address: string }[]).map((entry) => canonicalIp(entry.address));
}

function withoutPrefix(address: string): string {
  return address.split("/")[0] ?? address;
}

describeE2e("macvlan with ipledger IPAM", (pipe) => {
  let world: E2eWorld;
  beforeAll(async () => {
    world = await startWorld("macvlan", pipe);
  });
  afterAll(async () => {
    await world?.stop();
  });

  it("ADD configures the address the agent records; DEL twice releases it", async () => {
    const cleanup = new Cleanup();
    try {
      const master = await createDummy(uniqueName("d"), cleanup);
      const ns = await createNetns(uniqueName("n"), cleanup);
      const containerId = `e2e-${ns}`;
      const call = {
        config: macvlanConfig(master, { range: "10.99.2.0/24", gateway: "10.99.2.1", exclude: ["10.99.2.1/32"] }),
        containerId,
        ifName: "net1",
        netns: netnsPath(ns),
        args: podArgs("e2e", "pod-macvlan", containerId),
      };
      const add = await world.cni(MACVLAN, { ...call, command: "ADD" });
      expect(add.code, add.describe()).toBe(0);
      const [address] = addressesOf(add.json());
      expect(address).toBe("10.99.2.2/24");
      expect(await addressesIn(ns, "net1", 4)).toEqual([address]);
      expect((await world.agent.allocations()).filter((row) => row.containerId === containerId)).toMatchObject([
        { ip: "10.99.2.2", ifName: "net1", podNamespace: "e2e", podName: "pod-macvlan" },
      ]);

      for (const attempt of [1, 2]) {
        const del = await world.cni(MACVLAN, { ...call, command: "DEL" });
        expect(del.code, `DEL #${attempt}: ${del.describe()}`).toBe(0);
      }
      expect(await linkExists("net1", ns)).toBe(false);
      expect((await world.agent.allocations()).filter((row) => row.containerId === containerId)).toEqual([]);
    } finally {
      await cleanup.run();
    }
  });

  it("dual stack: range plus ipRanges puts one IPv4 and one IPv6 address in the namespace", async () => {
    const cleanup = new Cleanup();
    try {
      const master = await createDummy(uniqueName("d"), cleanup);
      const ns = await createNetns(uniqueName("n"), cleanup);
      const containerId = `e2e-${ns}`;
      const call = {
        config: macvlanConfig(master, {
          range: "10.99.3.0/24",
          exclude: ["10.99.3.1/32"],
          ipRanges: [{ range: "fd00:99::/64" }],
        }),
        containerId,
        ifName: "net1",
        netns: netnsPath(ns),
        args: podArgs("e2e", "pod-dual", containerId),
      };
      const add = await world.cni(MACVLAN, { ...call, command: "ADD" });
      expect(add.code, add.describe()).toBe(0);
      const reported = addressesOf(add.json());
      expect(reported).toHaveLength(2);
      const v4 = reported.find((address) => !address.includes(":"));
      const v6 = reported.find((address) => address.includes(":"));
      expect(v4).toMatch(/^10\.99\.3\.\d+\/24$/);
      expect(v6).toMatch(/^fd00:99::[0-9a-f:]+\/64$/);

      expect(await addressesIn(ns, "net1", 4)).toEqual([v4]);
      // IPv6 DAD may still mark the address tentative: it is configured, which is what counts here.
      expect(await addressesIn(ns, "net1", 6)).toEqual([v6]);
      const held = (await world.agent.allocations()).filter((row) => row.containerId === containerId);
      expect(held.map((row) => row.ip).sort()).toEqual([v4, v6].map((address) => withoutPrefix(address ?? "")).sort());

      const del = await world.cni(MACVLAN, { ...call, command: "DEL" });
      expect(del.code, del.describe()).toBe(0);
      expect((await world.agent.allocations()).filter((row) => row.containerId === containerId)).toEqual([]);
    } finally {
      await cleanup.run();
    }
  });

  it(
    "50 parallel ADDs into 50 namespaces get 50 distinct addresses, exactly the agent's allocations",
    { timeout: 300_000 },
    async () => {
      const cleanup = new Cleanup();
      try {
        const master = await createDummy(uniqueName("d"), cleanup);
        const namespaces = Array.from({ length: 50 }, () => uniqueName("p"));
        await createNetnsBatch(namespaces, cleanup);
        // Generous deadline: 50 plugin processes start at once on a small machine.
        const config = macvlanConfig(master, {
          range: "10.99.4.0/24",
          exclude: ["10.99.4.1/32"],
          agent_timeout_seconds: 60,
        });
        const calls = namespaces.map((ns, index) => ({
          config,
          containerId: `e2e-${ns}`,
          ifName: "net1",
          netns: netnsPath(ns),
          args: podArgs("e2e", `pod-${index}`, `e2e-${ns}`),
        }));
        cleanup.defer("DEL the 50 attachments", () =>
          Promise.all(calls.map((call) => world.cni(MACVLAN, { ...call, command: "DEL" }))),
        );

        const adds = await Promise.all(calls.map((call) => world.cni(MACVLAN, { ...call, command: "ADD" })));
        for (const add of adds) expect(add.code, add.describe()).toBe(0);
        const reported = adds.map((add) => addressesOf(add.json()));
        for (const addresses of reported) expect(addresses).toHaveLength(1);
        const assigned = reported.map((addresses) => addresses[0] ?? "");
        expect(new Set(assigned).size).toBe(50);
        for (const address of assigned) expect(address).toMatch(/^10\.99\.4\.(\d+)\/24$/);
        expect(assigned).not.toContain("10.99.4.1/24");

        const configured = await Promise.all(namespaces.map((ns) => addressesIn(ns, "net1", 4)));
        expect(configured).toEqual(reported);
        const held = (await world.agent.allocations()).filter((row) =>
          calls.some((call) => call.containerId === row.containerId),
        );
        expect(held.map((row) => `${row.containerId} ${row.ip}`).sort()).toEqual(
          calls.map((call, index) => `${call.containerId} ${withoutPrefix(assigned[index] ?? "")}`).sort(),
        );

        const dels = await Promise.all(calls.map((call) => world.cni(MACVLAN, { ...call, command: "DEL" })));
        for (const del of dels) expect(del.code, del.describe()).toBe(0);
        expect(
          (await world.agent.allocations()).filter((row) => calls.some((call) => call.containerId === row.containerId)),
        ).toEqual([]);
      } finally {
        await cleanup.run();
      }
    },
  );
});
