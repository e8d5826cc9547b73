import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, beforeAll, inject } from "vitest";
import type { Deployment } from "./deployIpledger.js";
import { kubectlFor, type Kubectl } from "./kubectl.js";
import type { NodeService } from "./nodeService.js";

/** What a node test file works with: kubectl, its own namespace, the deployment. */
export interface NodeWorld {
  kubectl: Kubectl;
  namespace: string;
  deployment: Deployment;
  /** A host bridge name of at most 15 characters for this file's NADs; removed after the file. */
  bridge(tag: string): string;
}

/**
 * Registers hooks that create a namespace of the file's own (deleted afterwards, with its pods,
 * so their addresses are released through CNI DEL) and returns the world, filled in beforeAll.
 */
export function nodeWorld(node: NodeService, suite: string): NodeWorld {
  const bridges: string[] = [];
  const world = {
    namespace: `node-${suite}-${randomBytes(3).toString("hex")}`,
    bridge: (tag: string) => {
      const name = `ipl${tag.slice(0, 4)}${randomBytes(3).toString("hex")}`;
      bridges.push(name);
      return name;
    },
  } as NodeWorld;
  beforeAll(async () => {
    const deployment = inject("ipledgerDeployment");
    if (!deployment)
      throw new Error("ipledger was not deployed on the node (test/node/setup.ts needs IPLEDGER_KAFKA_BROKERS)");
    world.deployment = deployment;
    world.kubectl = kubectlFor(node);
    await world.kubectl(["create", "namespace", world.namespace]);
    // The namespace's default service account comes from kube-controller-manager.
    await world
      .kubectl([
        "-n",
        world.namespace,
        "wait",
        "--for=jsonpath={.metadata.name}=default",
        "serviceaccount/default",
        "--timeout=60s",
      ])
      .catch(async () => {
        await world.kubectl(["-n", world.namespace, "get", "serviceaccount", "default"]);
      });
  });
  afterAll(async () => {
    await world.kubectl?.(["delete", "namespace", world.namespace, "--wait=true", "--timeout=180s"]);
    // The bridge plugin leaves its host bridge behind when the last pod goes.
    for (const name of bridges) await promisify(execFile)("ip", ["link", "del", name]).catch(() => undefined);
  });
  return world;
}
