import { formatAddress, LedgerError, parseAddress, type PoolDecision } from "../../ledger/core/index.js";
import type { ParsedCniRequest } from "./cniRequest.js";

interface ResultIp {
  readonly address: string;
  readonly gateway?: string;
}

/**
 * The IPAM result, in the config's `cniVersion`: dynamic addresses in range order, then the
 * static `addresses` in canonical form (as Whereabouts prints them), `routes` and `dns` verbatim. 0.3.x and 0.4.0
 * carry `"version": "4"|"6"` on each address and print an empty `dns`; 1.x do neither.
 */
export function buildCniResult(request: ParsedCniRequest, pools: readonly PoolDecision[]): Record<string, unknown> {
  const ips: ResultIp[] = pools.map((pool) => ({
    address: `${pool.ip}/${pool.prefix}`,
    ...(pool.gateway ? { gateway: pool.gateway } : {}),
  }));
  for (const entry of request.ipam.addresses ?? []) {
    ips.push({
      address: canonicalInterface(entry.address),
      ...(entry.gateway ? { gateway: canonicalAddress(entry.gateway) } : {}),
    });
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

/** `3ffe:ffff:0:01ff::1/64` → `3ffe:ffff:0:1ff::1/64`: the address as written, in canonical form, host bits kept. */
function canonicalInterface(text: string): string {
  const slash = text.lastIndexOf("/");
  return `${canonicalAddress(text.slice(0, slash))}/${Number(text.slice(slash + 1))}`;
}

function canonicalAddress(text: string): string {
  const address = parseAddress(text);
  return address ? formatAddress(address) : text;
}

/**
 * Serializes a result once before anything is appended, so an answer that cannot be sent is
 * refused while refusing still changes nothing.
 */
export function serializeResult(result: Record<string, unknown>): string {
  try {
    return JSON.stringify(result);
  } catch (error) {
    throw new LedgerError(
      "INVALID_CONFIG",
      `the CNI result cannot be built from this configuration (${(error as Error).name}); check ipam.routes, ipam.dns and ipam.addresses`,
      { key: "ipam", cause: error },
    );
  }
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
