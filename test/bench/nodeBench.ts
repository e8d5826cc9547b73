// npm run bench:node: 200 pods of one Deployment scaled up and down on the real node
// (test/services/node/start), with ipledger as the IPAM and with Debian's host-local as the floor,
// in the same run on the same node. Reports time to all Running, time to all gone, the agent's
// CPU-seconds and the CNI plugins' CPU-seconds (containerd's finished children: Multus, bridge
// and the IPAM plugin together, so the difference between the two rows is the IPAM's).
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { agentContainer } from "../support/node/agentOnHost.js";
import { agentPid, scaleUpAndDown, type BurstResult } from "../support/node/burst.js";
import { deployIpledger, undeployIpledger } from "../support/node/deployIpledger.js";
import { buildAndImportImage } from "../support/node/ipledgerImage.js";
import { kubectlFor } from "../support/node/kubectl.js";
import { bridgeNad, bridgeNadWithIpam } from "../support/node/multusPods.js";
import { findNodeService } from "../support/node/nodeService.js";

const run = promisify(execFile);
const REPLICAS = Number(process.env["IPLEDGER_NODE_BURST"] ?? 200);

function hostLocalNad(name: string, bridge: string, dataDir: string): string {
  return bridgeNadWithIpam(name, bridge, { type: "host-local", dataDir, ranges: [[{ subnet: "10.139.0.0/24" }]] });
}

function row(name: string, r: BurstResult): string {
  const add = r.agentAdd ? `${(r.agentAdd.meanSeconds * 1000).toFixed(1)} ms` : "-";
  const agentCpu = r.agentCpuSeconds === undefined ? "-" : r.agentCpuSeconds.toFixed(2);
  return `| ${name} | ${r.replicas} | ${r.upSeconds.toFixed(1)} | ${r.downSeconds.toFixed(1)} | ${add} | ${agentCpu} | ${r.cniCpuSeconds.toFixed(2)} |`;
}

async function main(): Promise<void> {
  const node = findNodeService("bench:node");
  const brokers = process.env["IPLEDGER_KAFKA_BROKERS"];
  if (!node || !brokers)
    throw new Error(
      "bench:node needs IPLEDGER_NODE_KUBECONFIG (test/services/node/start) and IPLEDGER_KAFKA_BROKERS (test/services/kafka/start)",
    );
  const kubectl = kubectlFor(node);
  await buildAndImportImage(node);
  await undeployIpledger(node);
  await deployIpledger(node, brokers, node.apiserverPort);
  const namespace = `bench-node-${randomBytes(3).toString("hex")}`;
  const bridges = [`iplbi${randomBytes(3).toString("hex")}`, `iplbh${randomBytes(3).toString("hex")}`];
  await kubectl(["create", "namespace", namespace]);
  try {
    await kubectl.apply(bridgeNad("bench-ipledger", bridges[0] as string, { range: "10.138.0.0/24" }), namespace);
    await kubectl.apply(
      hostLocalNad("bench-host-local", bridges[1] as string, `${node.stateDir}/cni/bench-host-local`),
      namespace,
    );
    const hostLocal = await scaleUpAndDown(node, kubectl, namespace, "host-local", "bench-host-local", REPLICAS);
    const agent = await agentContainer(kubectl);
    const ipledger = await scaleUpAndDown(node, kubectl, namespace, "ipledger", "bench-ipledger", REPLICAS, {
      pid: await agentPid(node, agent.containerId),
    });
    console.log(`\n${REPLICAS} pods of one Deployment, scaled up then down, on one node (2 cores, shared)\n`);
    console.log(
      "| IPAM | pods | up: all Running (s) | down: all gone (s) | agent ADD mean | agent CPU (s) | CNI plugins' CPU (s) |",
    );
    console.log("|---|---|---|---|---|---|---|");
    console.log(row("host-local (floor)", hostLocal));
    console.log(row("ipledger", ipledger));
  } finally {
    await kubectl(["delete", "namespace", namespace, "--wait=true", "--timeout=300s"]).catch(() => undefined);
    for (const bridge of bridges) await run("ip", ["link", "del", bridge]).catch(() => undefined);
    await undeployIpledger(node).catch(() => undefined);
  }
}

main().catch((error: unknown) => {
  console.error(`bench:node: ${(error as Error).message}`);
  process.exit(1);
});
