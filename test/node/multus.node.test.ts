import { expect, it } from "vitest";
import { ippoolAllocations, who } from "../support/node/agentOnHost.js";
import { waitUntil } from "../support/node/kubectl.js";
import { bridgeNad, net1, podManifest, waitPodsGone, waitPodsRunning } from "../support/node/multusPods.js";
import { describeNode } from "../support/node/describeNode.js";
import { nodeWorld } from "../support/node/nodeWorld.js";

describeNode("pods through Multus on a real node", (node) => {
  const world = nodeWorld(node, "multus");

  it("gives each annotated pod net1 in the range, and the annotation, `ipledger who` and the IPPool CR agree", async () => {
    // Given a bridge NAD whose addresses come from ipledger
    await world.kubectl.apply(
      bridgeNad("blue", world.bridge("blue"), { range: "10.125.0.0/24", range_start: "10.125.0.10" }),
      world.namespace,
    );

    // When five pods ask for it
    for (let i = 0; i < 5; i++)
      await world.kubectl.apply(podManifest(`blue-${i}`, { app: "blue" }, "blue"), world.namespace);
    const pods = await waitPodsRunning(world.kubectl, world.namespace, "app=blue", 5);

    // Then each has a distinct net1 address in the range, held by that pod in ipledger and in the IPPool CR
    const addresses = pods.map((pod) => net1(pod));
    expect(new Set(addresses).size).toBe(5);
    for (const pod of pods) {
      const ip = net1(pod).split("/")[0] as string;
      expect(ip).toMatch(/^10\.125\.0\.\d+$/);
      expect(Number(ip.split(".")[3])).toBeGreaterThanOrEqual(10);
      const holder = await who(ip);
      expect(holder).toMatchObject({
        podNamespace: world.namespace,
        podName: pod.metadata.name,
        podUid: pod.metadata.uid,
        ifName: "net1",
        node: node.nodeName,
      });
    }
    await waitUntil("the IPPool CR to list the five pods", 60_000, async () => {
      const crs = await ippoolAllocations(world.kubectl);
      const mine = pods.map((pod) => crs.get(net1(pod).split("/")[0] as string));
      return mine.every((ref, i) => ref === `${world.namespace}/${pods[i]?.metadata.name}`) ? true : undefined;
    });

    // And when the pods go, every address is released
    await world.kubectl(["-n", world.namespace, "delete", "pods", "-l", "app=blue", "--wait=false"]);
    await waitPodsGone(world.kubectl, world.namespace, "app=blue");
    for (const address of addresses) expect(await who(address.split("/")[0] as string)).toBeNull();
    await waitUntil("the IPPool CR to drop them", 60_000, async () => {
      const crs = await ippoolAllocations(world.kubectl);
      return addresses.every((a) => !crs.has(a.split("/")[0] as string)) ? true : undefined;
    });
  });
});
