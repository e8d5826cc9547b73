// The Whereabouts tutorial's "specific IP" scenario, through Debian's macvlan plugin and the real
// agent: the runtime (here the test, standing in for libcni) turns the `ips` capability into
// `runtimeConfig.ips`. Addresses are only configured in the namespace, never targeted.
import { afterAll, beforeAll, expect, it } from "vitest";
import { Cleanup } from "../support/e2e/cleanup.js";
import { podArgs } from "../support/e2e/cniExec.js";
import { startWorld, type E2eWorld } from "../support/e2e/e2eWorld.js";
import { addressesIn, createDummy, createNetns, netnsPath, uniqueName } from "../support/e2e/network.js";
import { MACVLAN } from "../support/e2e/repoPaths.js";
import { describeE2e } from "../support/e2e/suite.js";

describeE2e("seed scenario: a specific IP from runtimeConfig.ips", (pipe) => {
  let world: E2eWorld;
  beforeAll(async () => {
    world = await startWorld("seed", pipe);
  });
  afterAll(async () => {
    await world?.stop();
  });

  it("gives exactly 192.168.50.150 in the namespace and records it as requested", async () => {
    const cleanup = new Cleanup();
    try {
      const master = await createDummy(uniqueName("d"), cleanup);
      const ns = await createNetns(uniqueName("n"), cleanup);
      const containerId = `e2e-${ns}`;
      // What libcni hands the plugin once it applied the capability: runtimeConfig in, capabilities out.
      const config = {
        cniVersion: "1.0.0",
        name: "macvlan-static",
        type: "macvlan",
        master,
        mode: "bridge",
        runtimeConfig: { ips: ["192.168.50.150/24"] },
        ipam: {
          type: "ipledger",
          range: "192.168.50.0/24",
          range_start: "192.168.50.100",
          range_end: "192.168.50.200",
        },
      };
      const call = {
        config,
        containerId,
        ifName: "net1",
        netns: netnsPath(ns),
        args: podArgs("default", "static-pod", containerId),
      };
      const add = await world.cni(MACVLAN, { ...call, command: "ADD" });
      expect(add.code, add.describe()).toBe(0);
      expect(((add.json()["ips"] ?? []) as { address: string }[]).map((ip) => ip.address)).toEqual([
        "192.168.50.150/24",
      ]);
      expect(await addressesIn(ns, "net1", 4)).toEqual(["192.168.50.150/24"]);
      expect((await world.agent.allocations()).filter((row) => row.containerId === containerId)).toMatchObject([
        { ip: "192.168.50.150", podName: "static-pod", requested: true },
      ]);

      // A second pod asking for the same address is refused, naming the holder, and gets nothing.
      const other = await createNetns(uniqueName("n"), cleanup);
      const clash = await world.cni(MACVLAN, {
        ...call,
        containerId: `e2e-${other}`,
        netns: netnsPath(other),
        args: podArgs("default", "intruder", `e2e-${other}`),
        command: "ADD",
      });
      expect(clash.code).not.toBe(0);
      expect(clash.stdout).toMatch(/default\/static-pod/);
      expect(await addressesIn(other, "net1", 4).catch(() => [])).toEqual([]);

      const del = await world.cni(MACVLAN, { ...call, command: "DEL" });
      expect(del.code, del.describe()).toBe(0);
    } finally {
      await cleanup.run();
    }
  });
});
