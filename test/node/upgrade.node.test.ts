// A rolling update of the agent DaemonSet to a rebuilt image while pods are being created.
import { expect, it } from "vitest";
import { whoCidr, who } from "../support/node/agentOnHost.js";
import { describeNode } from "../support/node/describeNode.js";
import { buildAndImportImage } from "../support/node/ipledgerImage.js";
import { bridgeNad, net1, podManifest, waitPodsRunning } from "../support/node/multusPods.js";
import { nodeWorld } from "../support/node/nodeWorld.js";

const PODS = 12;

describeNode("upgrading the agent on a real node", (node) => {
  const world = nodeWorld(node, "upgrade");

  it("loses no allocation when the DaemonSet rolls to a rebuilt image while pods are created", async () => {
    await world.kubectl.apply(bridgeNad("upg", world.bridge("upg"), { range: "10.137.0.0/24" }), world.namespace);
    // Given a rebuilt image (assembled again from this checkout under a new tag)
    const image = await buildAndImportImage(node, `node-test-upgrade-${Date.now()}`);

    // When pods are created one after another while the agent rolls to it
    const creating = (async () => {
      for (let i = 0; i < PODS; i++) {
        await world.kubectl.apply(podManifest(`upg-${i}`, { app: "upg" }, "upg"), world.namespace);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    })();
    await world.kubectl([
      "-n",
      "ipledger",
      "set",
      "image",
      "daemonset/ipledger-agent",
      `agent=${image}`,
      `install-cni=${image}`,
    ]);
    await world.kubectl(["-n", "ipledger", "rollout", "status", "daemonset/ipledger-agent", "--timeout=240s"]);
    await creating;

    // Then every pod runs with its own address, and ipledger holds exactly those, for those pods
    const pods = await waitPodsRunning(world.kubectl, world.namespace, "app=upg", PODS, 300_000);
    const addresses = pods.map((p) => net1(p).split("/")[0] as string);
    expect(new Set(addresses).size).toBe(PODS);
    for (const pod of pods)
      expect(await who(net1(pod).split("/")[0] as string)).toMatchObject({
        podName: pod.metadata.name,
        podUid: pod.metadata.uid,
      });
    expect((await whoCidr("10.137.0.0/24")).map((h) => h.ip).sort()).toEqual([...addresses].sort());
  });
});
