import { parseAddress } from "../../ledger/core/index.js";
import type { AllowHolder, AllowlistSelector } from "./allowlistQuery.js";
import { collapseCidrs } from "./collapseCidrs.js";
import type { SelectedPods } from "./podSelector.js";

export const ALLOWLIST_FORMATS = ["lines", "cidrs", "json"] as const;
export type AllowlistFormat = (typeof ALLOWLIST_FORMATS)[number];

/** The addresses a firewall should allow, with who holds them. */
export interface Allowlist {
  /** The instant it describes; `null` for "now" (the ledger's current state). */
  readonly at: string | null;
  readonly selector: AllowlistSelector & { readonly label?: string };
  /** Each address once, IPv4 first, ascending. */
  readonly addresses: readonly string[];
  readonly cidrs: readonly string[];
  readonly holders: readonly AllowHolder[];
}

function compareAddresses(a: string, b: string): number {
  const x = parseAddress(a);
  const y = parseAddress(b);
  if (!x || !y) return a < b ? -1 : 1;
  if (x.family !== y.family) return x.family - y.family;
  return x.value < y.value ? -1 : x.value > y.value ? 1 : 0;
}

/**
 * Builds the list from the ledger's holders, keeping only the pods a label selector picked when
 * one was given (matched by pod UID; by namespace/name for entries recorded without a UID).
 */
export function buildAllowlist(
  holders: readonly AllowHolder[],
  options: { selector: Allowlist["selector"]; atMs?: number; pods?: SelectedPods },
): Allowlist {
  const { pods } = options;
  const kept = pods
    ? holders.filter((holder) =>
        holder.podUid ? pods.uids.has(holder.podUid) : pods.names.has(`${holder.podNamespace}/${holder.podName}`),
      )
    : [...holders];
  const sorted = [...kept].sort((a, b) => compareAddresses(a.ip, b.ip));
  const addresses = [...new Set(sorted.map((holder) => holder.ip))];
  return {
    at: options.atMs === undefined ? null : new Date(options.atMs).toISOString(),
    selector: options.selector,
    addresses,
    cidrs: collapseCidrs(addresses),
    holders: sorted,
  };
}

/** One address per line, the collapsed CIDRs one per line, or the whole list as JSON. */
export function renderAllowlist(list: Allowlist, format: AllowlistFormat, options: { compact?: boolean } = {}): string {
  switch (format) {
    case "lines":
      return list.addresses.join("\n");
    case "cidrs":
      return list.cidrs.join("\n");
    case "json":
      return options.compact ? JSON.stringify(list) : JSON.stringify(list, null, 2);
    default: {
      const unknown: never = format;
      throw new Error(`unknown format ${String(unknown)}`);
    }
  }
}
