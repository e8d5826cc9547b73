import { parseAddress, type PoolDecision } from "../../ledger/core/index.js";
import type { ParsedCniRequest } from "./cniRequest.js";

interface ResultIp {
  readonly address: string;
  readonly gateway?: string;
}

/**
 * The IPAM result, in the config's `cniVersion`: dynamic addresses in range order, then the
 * static `addresses` (Whereabouts' pass-through), `routes` and `dns` verbatim. 0.3.x and 0.4.0
 * carry `"version": "4"|"6"` on each address and print an empty `dns`; 1.x do neither.
 */
export function buildCniResult(request: ParsedCniRequest, pools: readonly PoolDecision[]): Record<string, unknown> {
  const ips: ResultIp[] = pools.map((pool) => ({ address: `${pool.ip}/${pool.prefix}`, ...(pool.gateway ? { gateway: pool.gateway } : {}) }));
  for (const entry of request.ipam.addresses ?? []) {
    ips.push({ address: entry.address, ...(entry.gateway ? { gateway: entry.gateway } : {}) });
  }
  const legacy = request.cniVersion.startsWith("0.");
  const dns = request.ipam.dns ?? {};
  const result: Record<string, unknown> = {
    cniVersion: request.cniVersion,
    ips: ips.map((ip) => (legacy ? { version: versionOf(ip.address), ...ip } : ip)),
  };
  if (request.ipam.routes && request.ipam.routes.length > 0) result.routes = request.ipam.routes;
  if (legacy || Object.keys(dns).length > 0) result.dns = dns;
  return result;
}

function versionOf(cidr: string): "4" | "6" {
  return parseAddress(cidr.split("/")[0] ?? "")?.family === 6 ? "6" : "4";
}

/** Addresses listed in a `prevResult`, without prefixes: what CHECK must find in the ledger. */
export function prevResultAddresses(config: Record<string, unknown>): string[] | undefined {
  const prev = config.prevResult as { ips?: { address?: unknown }[] } | undefined;
  if (!prev || !Array.isArray(prev.ips)) return undefined;
  return prev.ips.flatMap((ip) => (typeof ip.address === "string" ? [ip.address.split("/")[0] as string] : []));
}
