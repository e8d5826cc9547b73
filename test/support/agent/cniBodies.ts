import type { CniRequestBody } from "../../../src/cni/cniRequest.js";

/** A pod as CNI_ARGS names it. */
export interface PodRef {
  readonly namespace?: string;
  readonly name: string;
  readonly uid?: string;
}

/** CNI_ARGS as Multus and the kubelet send them. */
export function podArgs(pod: PodRef, extra: Record<string, string> = {}): string {
  const pairs = {
    IgnoreUnknown: "1",
    K8S_POD_NAMESPACE: pod.namespace ?? "ns",
    K8S_POD_NAME: pod.name,
    K8S_POD_UID: pod.uid ?? `uid-${pod.name}`,
    ...extra,
  };
  return Object.entries(pairs)
    .map(([key, value]) => `${key}=${value}`)
    .join(";");
}

export interface CniBodyOptions {
  /** Merged over `{ type: "ipledger", range: "10.10.0.0/24" }`; a key set to `undefined` is dropped. */
  readonly ipam?: Record<string, unknown>;
  /** Extra network-config keys (`prevResult`, `cni.dev/valid-attachments`, `capabilities`, …). */
  readonly config?: Record<string, unknown>;
  /** The config's `cniVersion` (default "1.0.0"). */
  readonly cniVersion?: string;
  /** The body's own `cniVersion`, which the plugin copies from the config; omitted by default. */
  readonly bodyCniVersion?: string;
  readonly name?: string;
  readonly containerId?: string;
  readonly ifName?: string;
  readonly netns?: string;
  /** The pod (CNI_ARGS built from it); ignored when `args` is given. */
  readonly pod?: PodRef;
  /** Raw CNI_ARGS. */
  readonly args?: string;
  readonly runtimeConfig?: Record<string, unknown>;
}

/**
 * A `POST /v1/cni/{verb}` body as the plugin sends it: the network config (a bridge with ipledger
 * IPAM), the attachment and CNI_ARGS. Defaults give pod `ns/p` in container `c-p`, `net1`.
 *
 * @example
 *   cniBody({ pod: { name: "web-0" }, ipam: { range: "192.168.2.225/28" } })
 */
export function cniBody(options: CniBodyOptions = {}): CniRequestBody {
  const pod = options.pod ?? { name: "p" };
  const cniVersion = options.cniVersion ?? "1.0.0";
  const ipam = dropUndefined({ type: "ipledger", range: "10.10.0.0/24", ...options.ipam });
  return {
    ...(options.bodyCniVersion !== undefined ? { cniVersion: options.bodyCniVersion } : {}),
    config: { cniVersion, name: options.name ?? "int-net", type: "bridge", ...options.config, ipam },
    containerId: options.containerId ?? `c-${pod.name}`,
    ifName: options.ifName ?? "net1",
    netns: options.netns ?? `/var/run/netns/${pod.name}`,
    args: options.args ?? podArgs(pod),
    ...(options.runtimeConfig ? { runtimeConfig: options.runtimeConfig } : {}),
  };
}

function dropUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
