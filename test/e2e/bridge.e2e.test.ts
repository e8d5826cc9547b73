// Real everything: Debian's bridge plugin delegates IPAM to the compiled `ipledger` plugin, which
// talks to the real agent (started from dist/) over its unix socket, in real network namespaces.
// Nothing is sent to the assigned addresses: the tests only configure and inspect them.
import { afterAll, beforeAll, expect, it } from "vitest";
import { Cleanup } from "../support/e2e/cleanup.js";
import { podArgs, type CniCall } from "../support/e2e/cniExec.js";
import { startWorld, type E2eWorld } from "../support/e2e/e2eWorld.js";
import {
  addressesIn,
  createNetns,
  deleteLinkLater,
  ip,
  linkExists,
  netnsPath,
  uniqueName,
} from "../support/e2e/network.js";
import { BRIDGE } from "../support/e2e/repoPaths.js";
import { describeE2e } from "../support/e2e/suite.js";

/**
 * A bridge network on 10.99.<subnet>.0/24 whose gateway .1 is excluded from allocation.
 * isGateway stays false: with it, the bridge plugin would also turn on the host's ip_forward.
 */
function bridgeConfig(bridge: string, subnet: number): Record<string, unknown> {
  return {
    cniVersion: "1.0.0",
    name: `e2e-${bridge}`,
    type: "bridge",
    bridge,
    isGateway: false,
    ipMasq: false,
    ipam: {
      type: "ipledger",
      range: `10.99.${subnet}.0/24`,
      gateway: `10.99.${subnet}.1`,
      exclude: [`10.99.${subnet}.1/32`],
    },
  };
}

interface IpEntry {
  readonly address: string;
  readonly gateway?: string;
  readonly interface?: number;
}

function ipsOf(result: Record<string, unknown>): IpEntry[] {
  return (result["ips"] ?? []) as IpEntry[];
}

describeE2e("bridge with ipledger IPAM", (pipe) => {
  let world: E2eWorld;
  beforeAll(async () => {
    world = await startWorld("bridge", pipe);
  });
  afterAll(async () => {
    await world?.stop();
  });

  /** One pod attachment in a fresh namespace behind a fresh bridge. */
  async function attachment(
    cleanup: Cleanup,
    subnet: number,
    pod: string,
  ): Promise<{ ns: string; call: Omit<CniCall, "command"> }> {
    const ns = await createNetns(uniqueName("n"), cleanup);
    const bridge = uniqueName("br");
    deleteLinkLater(bridge, cleanup);
    const containerId = `e2e-${ns}`;
    const config = bridgeConfig(bridge, subnet);
    return {
      ns,
      call: { config, containerId, ifName: "eth0", netns: netnsPath(ns), args: podArgs("e2e", pod, containerId) },
    };
  }

  it("ADD puts the address the result reports and the agent records on eth0; DEL twice releases it", async () => {
    const cleanup = new Cleanup();
    try {
      const { ns, call } = await attachment(cleanup, 1, "pod-bridge");
      const add = await world.cni(BRIDGE, { ...call, command: "ADD" });
      expect(add.code, add.describe()).toBe(0);
      const [entry, ...others] = ipsOf(add.json());
      expect(others).toEqual([]);
      // Alone in a fresh pool the agent hands out the lowest free address: .1 is the excluded gateway.
      expect(entry).toMatchObject({ address: "10.99.1.2/24", gateway: "10.99.1.1", interface: 2 });

      expect(await addressesIn(ns, "eth0", 4)).toEqual([entry?.address]);
      const held = (await world.agent.allocations()).filter((row) => row.containerId === call.containerId);
      expect(held).toMatchObject([
        { ip: "10.99.1.2", containerId: call.containerId, ifName: "eth0", podNamespace: "e2e", podName: "pod-bridge" },
      ]);
      expect(held[0]?.pool).toEqual(expect.any(String));

      for (const attempt of [1, 2]) {
        const del = await world.cni(BRIDGE, { ...call, command: "DEL" });
        expect(del.code, `DEL #${attempt}: ${del.describe()}`).toBe(0);
        expect(del.stdout.trim()).toBe("");
      }
      expect(await linkExists("eth0", ns)).toBe(false);
      expect((await world.agent.allocations()).filter((row) => row.containerId === call.containerId)).toEqual([]);
    } finally {
      await cleanup.run();
    }
  });

  it("DEL without CNI_NETNS still releases the address (bridge calls only IPAM DEL)", async () => {
    const cleanup = new Cleanup();
    try {
      const { call } = await attachment(cleanup, 2, "pod-nonetns");
      const add = await world.cni(BRIDGE, { ...call, command: "ADD" });
      expect(add.code, add.describe()).toBe(0);
      const del = await world.cni(BRIDGE, { ...call, netns: undefined, command: "DEL" });
      expect(del.code, del.describe()).toBe(0);
      expect((await world.agent.allocations()).filter((row) => row.containerId === call.containerId)).toEqual([]);
    } finally {
      await cleanup.run();
    }
  });

  it("CHECK passes, then fails once the address is removed by hand; the failure is bridge's, not IPAM's", async () => {
    const cleanup = new Cleanup();
    try {
      const { ns, call } = await attachment(cleanup, 5, "pod-check");
      const add = await world.cni(BRIDGE, { ...call, command: "ADD" });
      expect(add.code, add.describe()).toBe(0);
      const result = add.json();
      const address = ipsOf(result)[0]?.address ?? "";
      const withPrevResult = { ...call, config: { ...call.config, prevResult: result } };

      const healthy = await world.cni(BRIDGE, { ...withPrevResult, command: "CHECK" });
      expect(healthy.code, healthy.describe()).toBe(0);

      await ip("-n", ns, "addr", "del", address, "dev", "eth0");
      expect(await addressesIn(ns, "eth0", 4)).toEqual([]);

      // The ledger still holds the address for this attachment, so ipledger's own CHECK passes...
      const ipamCheck = await world.cni(world.ipledger, { ...withPrevResult, command: "CHECK" });
      expect(ipamCheck.code, ipamCheck.describe()).toBe(0);
      // ...and bridge, which compares prevResult with the interface after IPAM CHECK passed, is what
      // fails: Debian's bridge 1.1.1 answers 999 "Failed to match addr 10.99.5.2/24 on interface eth0".
      const broken = await world.cni(BRIDGE, { ...withPrevResult, command: "CHECK" });
      expect(broken.code, broken.describe()).toBe(1);
      expect(broken.json()).toMatchObject({ code: 999, msg: expect.stringContaining(`${address} on interface eth0`) });

      const del = await world.cni(BRIDGE, { ...call, command: "DEL" });
      expect(del.code, del.describe()).toBe(0);
    } finally {
      await cleanup.run();
    }
  });

  it("passes the plugin's code 11 up unchanged when the agent is unreachable", async () => {
    const cleanup = new Cleanup();
    try {
      const { call } = await attachment(cleanup, 6, "pod-noagent");
      const missing = `${world.dir}/no-agent.sock`;
      const add = await world.cni(BRIDGE, { ...call, command: "ADD", env: { IPLEDGER_SOCKET: missing } });
      expect(add.code, add.describe()).not.toBe(0);
      expect(add.json()).toMatchObject({ code: 11, msg: expect.stringContaining(missing) });
    } finally {
      await cleanup.run();
    }
  });
});
