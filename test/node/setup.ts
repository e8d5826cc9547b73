// Global setup of the `node` project: builds the ipledger image from this checkout, imports it
// into the node's containerd and deploys it with `kubectl apply -k` (test/node/overlay), once for
// every file of the project; the files read the deployment with inject("ipledgerDeployment").
import type { TestProject } from "vitest/node";
import { buildAndImportImage } from "../support/node/ipledgerImage.js";
import { deployIpledger, undeployIpledger } from "../support/node/deployIpledger.js";
import { findNodeService } from "../support/node/nodeService.js";

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const node = findNodeService("node tier");
  const brokers = process.env["IPLEDGER_KAFKA_BROKERS"];
  if (!node || !brokers) {
    if (node && process.env["CI"])
      throw new Error(
        "the node tier needs the Kafka broker: IPLEDGER_KAFKA_BROKERS is not set (test/services/kafka/start)",
      );
    project.provide("ipledgerDeployment", null);
    return undefined;
  }
  const t0 = Date.now();
  if (process.env["IPLEDGER_NODE_REUSE_IMAGE"] !== "1") await buildAndImportImage(node);
  const t1 = Date.now();
  await undeployIpledger(node);
  const deployment = await deployIpledger(node, brokers, node.apiserverPort);
  console.log(
    `node tier: image assembled and imported in ${((t1 - t0) / 1000).toFixed(1)} s, deployed in ${((Date.now() - t1) / 1000).toFixed(1)} s (topic ${deployment.topic})`,
  );
  project.provide("ipledgerDeployment", deployment);
  return async () => {
    if (process.env["IPLEDGER_NODE_KEEP_DEPLOYMENT"] !== "1") await undeployIpledger(node);
  };
}
