// GC and STATUS are CNI 1.1 verbs that Debian's plugins (CNI library 1.1.2) do not know, so these
// tests call the compiled `ipledger` plugin directly, as a 1.1 runtime would, against the real
// agent. The attachments themselves are made through the real macvlan plugin.
import { afterAll, beforeAll, expect, it } from "vitest";
import { Cleanup } from "../support/e2e/cleanup.js";
import { podArgs } from "../support/e2e/cniExec.js";
import { startWorld, type E2eWorld } from "../support/e2e/e2eWorld.js";
import { createDummy, createNetns, netnsPath, uniqueName } from "../support/e2e/network.js";
import { MACVLAN } from "../support/e2e/repoPaths.js";
import { describeE2e } from "../support/e2e/suite.js";

describeE2e("GC and STATUS through the ipledger plugin", (pipe) => {
  let world: E2eWorld;
  beforeAll(async () => {
    world = await startWorld("gc", pipe);
  });
  afterAll(async () => {
    await world?.stop();
  });

  const ipam = { type: "ipledger", range: "10.99.7.0/24", exclude: ["10.99.7.1/32"] };

  it("STATUS at 1.1.0 succeeds while the agent is up", async () => {
    const status = await world.cni(world.ipledger, {
      command: "STATUS",
      config: { cniVersion: "1.1.0", name: "e2e-gc", type: "macvlan", ipam },
    });
    expect(status.code, status.describe()).toBe(0);
    expect(status.stdout).toBe("");
  });

  it("GC releases the attachment missing from cni.dev/valid-attachments and keeps the others", async () => {
    const cleanup = new Cleanup();
    try {
      const master = await createDummy(uniqueName("d"), cleanup);
      const config = { cniVersion: "1.0.0", name: "e2e-gc", type: "macvlan", master, mode: "bridge", ipam };
      const attachments = await Promise.all(
        ["kept", "leaked"].map(async (role) => {
          const ns = await createNetns(uniqueName("n"), cleanup);
          const containerId = `e2e-${role}-${ns}`;
          return {
            role,
            containerId,
            ifName: "net1",
            netns: netnsPath(ns),
            args: podArgs("e2e", `pod-${role}`, containerId),
          };
        }),
      );
      for (const attachment of attachments) {
        const add = await world.cni(MACVLAN, { ...attachment, config, command: "ADD" });
        expect(add.code, add.describe()).toBe(0);
      }
      const ours = async () =>
        (await world.agent.allocations()).filter((row) => attachments.some((a) => a.containerId === row.containerId));
      expect(await ours()).toHaveLength(2);

      const [kept, leaked] = attachments;
      const gcConfig = {
        ...config,
        cniVersion: "1.1.0",
        "cni.dev/valid-attachments": [{ containerID: kept?.containerId, ifname: "net1" }],
      };
      const gc = await world.cni(world.ipledger, { command: "GC", config: gcConfig });
      expect(gc.code, gc.describe()).toBe(0);
      expect(gc.stdout).toBe("");

      const remaining = await ours();
      expect(remaining.map((row) => row.containerId)).toEqual([kept?.containerId]);
      expect(remaining.map((row) => row.containerId)).not.toContain(leaked?.containerId);

      const del = await world.cni(MACVLAN, { ...kept, config, command: "DEL" });
      expect(del.code, del.describe()).toBe(0);
    } finally {
      await cleanup.run();
    }
  });

  it("GC below cniVersion 1.1.0 is refused by the plugin with code 1", async () => {
    const gc = await world.cni(world.ipledger, {
      command: "GC",
      config: { cniVersion: "1.0.0", name: "e2e-gc", type: "macvlan", ipam },
    });
    expect(gc.code).toBe(1);
    expect(gc.json()).toMatchObject({ code: 1, msg: expect.stringContaining("GC") });
  });
});
