import { z } from "zod";
import { LedgerError, poolKeyOf, type Owner, type TargetPool } from "../../ledger/core/index.js";
import { SUPPORTED_VERSIONS } from "../../plugin/cniVersions.js";
import { parseCniArgs } from "./cniArgs.js";
import { checkConfigBounds } from "./configBounds.js";
import { DEFAULT_FLAT_FILE_OPTIONS, mergeFlatFile, type FlatFileOptions } from "./flatFile.js";
import { parseIpam, type IpamConfig } from "./ipamConfig.js";
import { gatewayWarnings, targetsOf } from "./targetPools.js";

/** The body of `POST /v1/cni/{verb}`: what the plugin read from its env and stdin. */
export const cniRequestSchema = z.object({
  cniVersion: z.string().optional(),
  config: z.unknown(),
  containerId: z.string().default(""),
  ifName: z.string().default(""),
  netns: z.string().default(""),
  args: z.string().default(""),
  runtimeConfig: z.record(z.string(), z.unknown()).optional(),
});
export type CniRequestBody = z.infer<typeof cniRequestSchema>;

/** A CNI request with its config resolved into pools, ready for the ledger. */
export interface ParsedCniRequest {
  readonly cniVersion: string;
  readonly networkName: string;
  readonly config: Record<string, unknown>;
  readonly ipam: IpamConfig;
  readonly targets: readonly TargetPool[];
  readonly poolKeys: readonly string[];
  readonly owner: Owner;
  readonly requested: readonly string[];
  readonly sticky: boolean;
  /** Things the operator should fix that do not stop the request (a gateway inside a window…). */
  readonly warnings: readonly string[];
}

const CONTAINER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function configObject(body: CniRequestBody): Record<string, unknown> {
  const { config } = body;
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new LedgerError("INVALID_CONFIG", "the network configuration must be a JSON object", { key: "config" });
  }
  return config as Record<string, unknown>;
}

export function cniVersionOf(body: CniRequestBody): string {
  const config = body.config as { cniVersion?: unknown } | undefined;
  const version = typeof config?.cniVersion === "string" ? config.cniVersion : (body.cniVersion ?? "");
  if (!(SUPPORTED_VERSIONS as readonly string[]).includes(version)) {
    throw new LedgerError(
      "UNSUPPORTED_VERSION",
      `cniVersion ${JSON.stringify(version)} is not supported; use one of ${SUPPORTED_VERSIONS.join(", ")}`,
      { key: "cniVersion" },
    );
  }
  return version;
}

/**
 * The pools an `ipam` object defines, as an ADD with it would define them: what `ipledger
 * reserve --range/--nad` records before any pod used the pool. INVALID_CONFIG like an ADD's.
 */
export function poolsOfIpam(raw: unknown): TargetPool[] {
  const ipam = parseIpam(raw);
  if (ipam.configuration_path !== undefined) {
    throw new LedgerError(
      "INVALID_CONFIG",
      "ipam.configuration_path is read only by the plugin on a node; give the range itself (--range, or an ipam with range/ipRanges)",
      { key: "ipam.configuration_path" },
    );
  }
  const pools = targetsOf(ipam, {});
  if (pools.length === 0)
    throw new LedgerError("INVALID_CONFIG", "the ipam config has no range and no ipRanges: nothing defines a pool", {
      key: "ipam.range",
    });
  return pools;
}

/** Requested addresses: `runtimeConfig.ips`, else `args.cni.ips`, else CNI_ARGS `IP=` (CONVENTIONS.md order). */
function requestedOf(body: CniRequestBody, config: Record<string, unknown>, args: Map<string, string>): string[] {
  const runtimeIps = (body.runtimeConfig ?? (config.runtimeConfig as Record<string, unknown> | undefined))?.ips;
  const argsIps = (config.args as { cni?: { ips?: unknown } } | undefined)?.cni?.ips;
  const list = runtimeIps ?? argsIps ?? (args.get("IP") ? (args.get("IP") as string).split(",") : []);
  if (!Array.isArray(list) || list.some((entry) => typeof entry !== "string")) {
    throw new LedgerError("INVALID_REQUEST", 'requested ips must be a list of strings such as ["10.1.0.5/24"]', {
      key: "runtimeConfig.ips",
    });
  }
  return (list as string[])
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "")
    .map((entry) => entry.split("/")[0] as string);
}

/**
 * Validates a CNI request and resolves its configuration. Throws `LedgerError` with the key at
 * fault; nothing has been appended when it throws.
 */
export async function parseCniRequest(
  body: CniRequestBody,
  options: { node: string; needsAttachment: boolean; flatFile?: FlatFileOptions },
): Promise<ParsedCniRequest> {
  const config = configObject(body);
  // Shape first: nothing below may walk (or later echo) a document of unbounded depth or size.
  checkConfigBounds(config, "config");
  if (body.runtimeConfig !== undefined) checkConfigBounds(body.runtimeConfig, "runtimeConfig");
  const cniVersion = cniVersionOf(body);
  if (config.ipam === undefined)
    throw new LedgerError(
      "INVALID_CONFIG",
      'the network configuration has no "ipam" object; add one with "type": "ipledger"',
      { key: "ipam" },
    );
  if (typeof config.ipam !== "object" || config.ipam === null || Array.isArray(config.ipam)) {
    throw new LedgerError(
      "INVALID_CONFIG",
      'ipam must be a JSON object such as {"type": "ipledger", "range": "10.1.0.0/24"}',
      { key: "ipam" },
    );
  }
  const merged = await mergeFlatFile(
    config.ipam as Record<string, unknown>,
    options.flatFile ?? DEFAULT_FLAT_FILE_OPTIONS,
  );
  if (merged !== config.ipam) checkConfigBounds(merged, "ipam");
  const ipam = parseIpam(merged);
  if (ipam.type !== "ipledger") {
    throw new LedgerError(
      "INVALID_CONFIG",
      `ipam.type is ${JSON.stringify(ipam.type)}; this plugin only serves "ipledger"`,
      { key: "ipam.type" },
    );
  }
  if (!ipam.range && (ipam.ipRanges ?? []).length === 0) {
    throw new LedgerError(
      "INVALID_CONFIG",
      'ipam has neither "range" nor "ipRanges": nothing to allocate from; add e.g. "range": "10.1.0.0/24"',
      { key: "ipam.range" },
    );
  }
  if (options.needsAttachment) {
    if (!CONTAINER_ID.test(body.containerId)) {
      throw new LedgerError(
        "MISSING_ENV",
        body.containerId === ""
          ? "CNI_CONTAINERID is missing; the container runtime must set it (CNI spec: ADD, DEL and CHECK need it)"
          : `CNI_CONTAINERID ${JSON.stringify(body.containerId)} must start with a letter or digit and hold only letters, digits, "_", "." and "-"`,
        { key: "CNI_CONTAINERID" },
      );
    }
    if (body.ifName === "" || body.ifName.length > 15 || /[\s/:]/.test(body.ifName)) {
      throw new LedgerError(
        "MISSING_ENV",
        body.ifName === ""
          ? "CNI_IFNAME is missing; the container runtime must set it to the interface name, e.g. net1"
          : `CNI_IFNAME ${JSON.stringify(body.ifName)} is not a valid interface name`,
        { key: "CNI_IFNAME" },
      );
    }
  }
  const args = parseCniArgs(body.args);
  const targets = targetsOf(ipam, config);
  return {
    cniVersion,
    networkName: typeof config.name === "string" ? config.name : "",
    config,
    ipam,
    targets,
    poolKeys: targets.map((target) => poolKeyOf(target.domain, target.pool)),
    owner: {
      containerId: body.containerId,
      ifName: body.ifName,
      podNamespace: args.get("K8S_POD_NAMESPACE") ?? "",
      podName: args.get("K8S_POD_NAME") ?? "",
      podUid: args.get("K8S_POD_UID") ?? "",
      node: options.node,
    },
    requested: requestedOf(body, config, args),
    sticky: ipam.sticky ?? true,
    warnings: gatewayWarnings(targets),
  };
}
