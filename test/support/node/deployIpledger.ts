import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { randomBytes } from "node:crypto";
import { kubectlFor, type Kubectl } from "./kubectl.js";
import type { NodeService } from "./nodeService.js";
import { REPO_ROOT } from "../repoRoot.js";

const OVERLAY = join(REPO_ROOT, "test", "node", "overlay");

/** What a deployment of ipledger on the node uses: its log (a topic of its own on the Kafka broker). */
export interface Deployment {
  readonly brokers: string;
  readonly topic: string;
}

/**
 * The user's overlay on top of test/node/overlay: the brokers, a topic, and (the components run
 * on the host network, where the Service IP of the apiserver is not routed) the apiserver's
 * loopback address for the in-cluster clients of the projector and the reconciler.
 */
export function userOverlay(deployment: Deployment, apiserverPort: string): string {
  const dir = mkdtempSync(join(tmpdir(), "ipledger-node-overlay-"));
  const apiserverEnv = (kind: string, name: string) => `  - target: { kind: ${kind}, name: ${name} }
    patch: |-
      - op: add
        path: /spec/template/spec/containers/0/env/-
        value: { name: KUBERNETES_SERVICE_HOST, value: "127.0.0.1" }
      - op: add
        path: /spec/template/spec/containers/0/env/-
        value: { name: KUBERNETES_SERVICE_PORT, value: "${apiserverPort}" }
`;
  writeFileSync(
    join(dir, "kustomization.yaml"),
    `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ${relative(dir, OVERLAY)}
patches:
  - target: { kind: ConfigMap, name: ipledger-kafka }
    patch: |-
      - op: replace
        path: /data/IPLEDGER_KAFKA_BROKERS
        value: "${deployment.brokers}"
      - op: replace
        path: /data/IPLEDGER_KAFKA_TOPIC
        value: "${deployment.topic}"
      - op: replace
        path: /data/IPLEDGER_KAFKA_PARTITIONS
        value: "1"
${apiserverEnv("Deployment", "ipledger-projector")}${apiserverEnv("Deployment", "ipledger-reconciler")}`,
  );
  return dir;
}

/** Waits until the agent DaemonSet, the projector and the reconciler have rolled out. */
export async function waitRolledOut(kubectl: Kubectl, timeoutS = 240): Promise<void> {
  await kubectl(["-n", "ipledger", "rollout", "status", "daemonset/ipledger-agent", `--timeout=${timeoutS}s`]);
  await kubectl(["-n", "ipledger", "rollout", "status", "deployment/ipledger-projector", `--timeout=${timeoutS}s`]);
  await kubectl(["-n", "ipledger", "rollout", "status", "deployment/ipledger-reconciler", `--timeout=${timeoutS}s`]);
}

/** `kubectl apply -k` of deploy/ through the test overlay and a user overlay; waits for the rollout. */
export async function deployIpledger(node: NodeService, brokers: string, apiserverPort: string): Promise<Deployment> {
  const deployment = { brokers, topic: `ipledger-node-${Date.now()}-${randomBytes(3).toString("hex")}` };
  const kubectl = kubectlFor(node);
  const dir = userOverlay(deployment, apiserverPort);
  try {
    await kubectl(["apply", "-k", dir]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await waitRolledOut(kubectl);
  return deployment;
}

/** Removes the deployment (the namespace and its cluster-scoped RBAC; the CRDs stay). */
export async function undeployIpledger(node: NodeService): Promise<void> {
  const kubectl = kubectlFor(node);
  await kubectl(["delete", "namespace", "ipledger", "--ignore-not-found", "--wait=true", "--timeout=120s"]);
}

// What test/node/setup.ts provides to every file of the node project (read with inject()).
declare module "vitest" {
  export interface ProvidedContext {
    ipledgerDeployment: Deployment | null;
  }
}
