// 200 pods of one Deployment scaled up, then down, on the real node. Timings are printed, not
// asserted (the machine is shared); `npm run bench:node` compares them with host-local.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { agentContainer, verifyLog, whoCidr } from "../support/node/agentOnHost.js";
import { agentPid, scaleUpAndDown } from "../support/node/burst.js";
import { describeNode } from "../support/node/describeNode.js";
import { waitUntil } from "../support/node/kubectl.js";
import { bridgeNad } from "../support/node/multusPods.js";
import { nodeWorld } from "../support/node/nodeWorld.js";

const REPLICAS = Number(process.env["IPLEDGER_NODE_BURST"] ?? 200);

describeNode("a burst of pods on a real node", (node) => {
  const world = nodeWorld(node, "burst");

  it(`runs ${REPLICAS} replicas with distinct addresses, gives every address back on scale-down, and the log verifies`, async () => {
    await world.kubectl.apply(bridgeNad("burst", world.bridge("brst"), { range: "10.136.0.0/24" }), world.namespace);
    const agent = await agentContainer(world.kubectl);
    const seen: number[] = [];
    const result = await scaleUpAndDown(
      node,
      world.kubectl,
      world.namespace,
      "burst",
      "burst",
      REPLICAS,
      { pid: await agentPid(node, agent.containerId) },
      async () => {
        seen.push((await whoCidr("10.136.0.0/24")).length);
      },
    );
    console.log(
      `burst of ${REPLICAS}: all Running in ${result.upSeconds.toFixed(1)} s, all gone in ${result.downSeconds.toFixed(1)} s; ` +
        `agent ADD mean ${((result.agentAdd?.meanSeconds ?? 0) * 1000).toFixed(1)} ms over ${result.agentAdd?.count} ADDs; ` +
        `agent CPU ${result.agentCpuSeconds?.toFixed(2)} s; CNI plugins' CPU ${result.cniCpuSeconds.toFixed(2)} s`,
    );

    // At the top, ipledger held one address per replica; afterwards none.
    expect(seen).toEqual([REPLICAS]);
    expect(result.agentAdd?.count).toBeGreaterThanOrEqual(REPLICAS);
    await waitUntil(
      "every address of 10.136.0.0/24 back",
      120_000,
      async () => ((await whoCidr("10.136.0.0/24")).length === 0 ? true : undefined),
      2_000,
    );

    const scratch = mkdtempSync(join(tmpdir(), "ipledger-node-verify-"));
    try {
      const report = await verifyLog(world.deployment, scratch);
      expect(report).toMatch(/^ok: \d+ events/);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }, 1_800_000);
});
