import type { Kubectl } from "./kubectl.js";
import { waitUntil } from "./kubectl.js";

export const NETWORKS_ANNOTATION = "k8s.v1.cni.cncf.io/networks";
export const NETWORK_STATUS_ANNOTATION = "k8s.v1.cni.cncf.io/network-status";
/** The node's locally built pause image doubles as the workload: it only holds the namespaces. */
export const WORKLOAD_IMAGE = "localhost/pause:3.10";

/**
 * A NetworkAttachmentDefinition of `type: bridge` (no address on the host side: `isGateway`
 * false) whose addresses come from ipledger; `ipam` holds the ipledger keys (range, exclude…).
 */
export function bridgeNad(name: string, bridge: string, ipam: Record<string, unknown>): string {
  return bridgeNadWithIpam(name, bridge, { type: "ipledger", ...ipam });
}

/** The same bridge attachment with any IPAM plugin (the benchmark's floor uses host-local). */
export function bridgeNadWithIpam(name: string, bridge: string, ipam: Record<string, unknown>): string {
  const config = {
    cniVersion: "0.4.0",
    name,
    type: "bridge",
    bridge,
    isGateway: false,
    ipMasq: false,
    capabilities: { ips: true },
    ipam,
  };
  return JSON.stringify({
    apiVersion: "k8s.cni.cncf.io/v1",
    kind: "NetworkAttachmentDefinition",
    metadata: { name },
    spec: { config: JSON.stringify(config) },
  });
}

/** The pod template's spec and metadata for a workload on the node's secondary network(s). */
export function podTemplate(labels: Record<string, string>, networks: string): Record<string, unknown> {
  return {
    metadata: { labels, annotations: { [NETWORKS_ANNOTATION]: networks } },
    spec: {
      terminationGracePeriodSeconds: 1,
      automountServiceAccountToken: false,
      containers: [{ name: "main", image: WORKLOAD_IMAGE, imagePullPolicy: "Never" }],
    },
  };
}

export function podManifest(name: string, labels: Record<string, string>, networks: string): string {
  const template = podTemplate(labels, networks);
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, ...(template["metadata"] as object) },
    spec: template["spec"],
  });
}

export interface PodView {
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  status: { phase?: string; containerStatuses?: { ready: boolean; containerID?: string; restartCount: number }[] };
}

interface NetworkStatus {
  name: string;
  interface?: string;
  ips?: string[];
}

/** The addresses of `net1`, `net2`… from the pod's network-status annotation (written by Multus). */
export function secondaryAddresses(pod: PodView): Map<string, string[]> {
  const raw = pod.metadata.annotations?.[NETWORK_STATUS_ANNOTATION];
  const statuses = raw ? (JSON.parse(raw) as NetworkStatus[]) : [];
  return new Map(
    statuses.filter((s) => s.interface?.startsWith("net")).map((s) => [s.interface as string, s.ips ?? []]),
  );
}

/** The first secondary address of a pod (net1), or throws naming the pod. */
export function net1(pod: PodView): string {
  const ip = secondaryAddresses(pod).get("net1")?.[0];
  if (!ip)
    throw new Error(
      `pod ${pod.metadata.namespace}/${pod.metadata.name} has no net1 address in ${NETWORK_STATUS_ANNOTATION}`,
    );
  return ip;
}

/** Waits until `count` pods match `selector` and all run; returns them. */
export async function waitPodsRunning(
  kubectl: Kubectl,
  namespace: string,
  selector: string,
  count: number,
  timeoutMs = 240_000,
): Promise<PodView[]> {
  return waitUntil(
    `${count} Running pods ${selector} in ${namespace}`,
    timeoutMs,
    async () => {
      const list = await kubectl.json<{ items: PodView[] }>(["-n", namespace, "get", "pods", "-l", selector]);
      const running = list.items.filter(
        (p) => p.status.phase === "Running" && p.metadata.annotations?.[NETWORK_STATUS_ANNOTATION],
      );
      return running.length === count && list.items.length === count ? running : undefined;
    },
    1_000,
  );
}

/** Waits until no pod matches `selector`. */
export async function waitPodsGone(
  kubectl: Kubectl,
  namespace: string,
  selector: string,
  timeoutMs = 240_000,
): Promise<void> {
  await waitUntil(
    `no pods ${selector} in ${namespace}`,
    timeoutMs,
    async () => {
      const list = await kubectl.json<{ items: PodView[] }>(["-n", namespace, "get", "pods", "-l", selector]);
      return list.items.length === 0 ? true : undefined;
    },
    1_000,
  );
}
