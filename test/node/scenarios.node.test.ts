// The tutorial's scenarios (deploy/examples) on real pods: containerd, kubelet and Multus call
// the plugin that the agent DaemonSet installed. Bridges stand in for the examples' macvlan.
import { expect, it } from "vitest";
import { ipledger, AGENT_SOCKET, who } from "../support/node/agentOnHost.js";
import { waitUntil } from "../support/node/kubectl.js";
import {
  bridgeNad,
  net1,
  podManifest,
  podTemplate,
  secondaryAddresses,
  waitPodsRunning,
  type PodView,
} from "../support/node/multusPods.js";
import { describeNode } from "../support/node/describeNode.js";
import { nodeWorld } from "../support/node/nodeWorld.js";

const ipOf = (cidr: string) => cidr.split("/")[0] as string;
const lastOctet = (cidr: string) => Number(ipOf(cidr).split(".")[3]);

describeNode("the tutorial's scenarios on a real node", (node) => {
  const world = nodeWorld(node, "tutorial");

  it("gives a pod the specific address it asks for through the ips request form", async () => {
    await world.kubectl.apply(
      bridgeNad("static", world.bridge("stat"), { range: "10.126.0.0/24", range_start: "10.126.0.100" }),
      world.namespace,
    );
    await world.kubectl.apply(
      podManifest("static-demo", { app: "static" }, JSON.stringify([{ name: "static", ips: ["10.126.0.150/24"] }])),
      world.namespace,
    );
    const [pod] = await waitPodsRunning(world.kubectl, world.namespace, "app=static", 1);
    // network-status lists addresses without their prefix length.
    expect(net1(pod as PodView)).toBe("10.126.0.150");
    expect(await who("10.126.0.150")).toMatchObject({ podName: "static-demo", podNamespace: world.namespace });
  });

  it("keeps a StatefulSet pod's address when the pod is deleted and re-created (sticky)", async () => {
    await world.kubectl.apply(
      bridgeNad("sticky", world.bridge("stky"), { range: "10.127.0.0/24", exclude: ["10.127.0.1"], sticky: true }),
      world.namespace,
    );
    await world.kubectl.apply(
      JSON.stringify({
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name: "web" },
        spec: {
          serviceName: "web",
          replicas: 2,
          selector: { matchLabels: { app: "web" } },
          template: podTemplate({ app: "web" }, "sticky"),
        },
      }),
      world.namespace,
    );
    const before = await waitPodsRunning(world.kubectl, world.namespace, "app=web", 2);
    const web0 = before.find((p) => p.metadata.name === "web-0") as PodView;

    await world.kubectl(["-n", world.namespace, "delete", "pod", "web-0", "--wait=true"]);
    const after = await waitUntil("web-0 re-created and Running", 180_000, async () => {
      const pods = await waitPodsRunning(world.kubectl, world.namespace, "app=web", 2);
      const again = pods.find((p) => p.metadata.name === "web-0");
      return again && again.metadata.uid !== web0.metadata.uid ? again : undefined;
    });
    expect(net1(after)).toBe(net1(web0));
    expect(await who(ipOf(net1(after)))).toMatchObject({ podName: "web-0", podUid: after.metadata.uid });
  });

  it("serves several pools, one per network, to one pod", async () => {
    await world.kubectl.apply(
      bridgeNad("production", world.bridge("prod"), { network_name: "production", range: "10.128.0.0/24" }),
      world.namespace,
    );
    await world.kubectl.apply(
      bridgeNad("staging", world.bridge("stag"), { network_name: "staging", range: "10.128.1.0/24" }),
      world.namespace,
    );
    await world.kubectl.apply(podManifest("both", { app: "both" }, "production,staging"), world.namespace);
    const [pod] = await waitPodsRunning(world.kubectl, world.namespace, "app=both", 1);
    const networks = secondaryAddresses(pod as PodView);
    expect(networks.get("net1")?.[0]).toMatch(/^10\.128\.0\./);
    expect(networks.get("net2")?.[0]).toMatch(/^10\.128\.1\./);
    expect(await who(ipOf(networks.get("net1")?.[0] as string))).toMatchObject({ podName: "both", ifName: "net1" });
    expect(await who(ipOf(networks.get("net2")?.[0] as string))).toMatchObject({ podName: "both", ifName: "net2" });
  });

  it("never hands out an excluded address", async () => {
    // 10.129.0.0/28: .1-.14 usable; .1-.7, .9 and .12 excluded leaves .8, .10, .11, .13, .14.
    await world.kubectl.apply(
      bridgeNad("excl", world.bridge("excl"), {
        range: "10.129.0.0/28",
        exclude: ["10.129.0.0/29", "10.129.0.9", "10.129.0.12"],
      }),
      world.namespace,
    );
    for (let i = 0; i < 5; i++)
      await world.kubectl.apply(podManifest(`excl-${i}`, { app: "excl" }, "excl"), world.namespace);
    const pods = await waitPodsRunning(world.kubectl, world.namespace, "app=excl", 5);
    expect(pods.map((p) => lastOctet(net1(p))).sort((a, b) => a - b)).toEqual([8, 10, 11, 13, 14]);
  });

  it("keeps an egress range's pods inside it, lists them with `allowlist`, and makes an extra replica wait", async () => {
    await world.kubectl.apply(
      bridgeNad("egress", world.bridge("egrs"), {
        network_name: "egress",
        range: "10.130.0.100-10.130.0.102/24",
        gateway: "10.130.0.1",
      }),
      world.namespace,
    );
    const deployment = (replicas: number) =>
      JSON.stringify({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "egress-client" },
        spec: {
          replicas,
          selector: { matchLabels: { app: "egress" } },
          template: podTemplate({ app: "egress" }, "egress"),
        },
      });
    await world.kubectl.apply(deployment(3), world.namespace);
    const pods = await waitPodsRunning(world.kubectl, world.namespace, "app=egress", 3);
    const addresses = pods.map((p) => ipOf(net1(p))).sort();
    expect(addresses).toEqual(["10.130.0.100", "10.130.0.101", "10.130.0.102"]);
    const allowlist = await ipledger(["allowlist", "--network", "egress", "--socket", AGENT_SOCKET]);
    expect(
      allowlist
        .split("\n")
        .filter((l) => l && !l.startsWith("#"))
        .sort(),
    ).toEqual(addresses);

    // A fourth pod cannot get an address: its sandbox fails with the pool exhausted, and kubelet retries.
    await world.kubectl.apply(podManifest("egress-extra", { app: "egress-extra" }, "egress"), world.namespace);
    await waitUntil(
      "the extra pod's sandbox to fail with the pool exhausted",
      120_000,
      async () => {
        const events = await world.kubectl.json<{ items: { message: string; involvedObject: { name: string } }[] }>([
          "-n",
          world.namespace,
          "get",
          "events",
          "--field-selector",
          "reason=FailedCreatePodSandBox,involvedObject.name=egress-extra",
        ]);
        return events.items.some((e) => /exhaust/i.test(e.message)) ? true : undefined;
      },
      2_000,
    );
    // When a replica goes, the waiting pod gets the freed address.
    await world.kubectl.apply(deployment(2), world.namespace);
    const [settled] = await waitPodsRunning(world.kubectl, world.namespace, "app=egress-extra", 1, 180_000);
    expect(addresses).toContain(ipOf(net1(settled as PodView)));
  });
});
