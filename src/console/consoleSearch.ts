import { isLedgerError, parseAddress, parseCidr } from "../../ledger/core/index.js";
import type { ConsoleData } from "./consoleData.js";

export interface SearchAnswer {
  /** What the text was read as. */
  readonly kind: "ip" | "cidr" | "pod" | "pod-uid" | "container" | "node" | "pool" | "none";
  /** The console page that answers it (a path with its query), or null when nothing matched. */
  readonly url: string | null;
  readonly message: string;
}

const q = encodeURIComponent;

/**
 * Reads one search box: an address, a CIDR, `namespace/pod`, a pod UID, a container id, a node or
 * a pool name, and names the page that answers it. The ledger is asked in that order, so a text
 * that is both a pod UID and a node name goes to the pod.
 */
export async function resolveSearch(data: ConsoleData, text: string): Promise<SearchAnswer> {
  const query = text.trim();
  if (query === "")
    return {
      kind: "none",
      url: null,
      message: "type an address, a CIDR, namespace/pod, a pod UID, a container id, a node or a pool",
    };
  if (parseAddress(query)) return { kind: "ip", url: `/ip/${q(query)}`, message: `the address ${query}` };
  if (parseCidr(query)) return { kind: "cidr", url: `/cidr?cidr=${q(query)}`, message: `the addresses of ${query}` };
  const parts = query.split("/");
  if (parts.length === 2 && parts[0] && parts[1])
    return { kind: "pod", url: `/pod?pod=${q(query)}`, message: `the pod ${query}` };
  const any = async (filter: Parameters<ConsoleData["tenancies"]>[0]) =>
    (await data.tenancies(filter, 1)).holders.length > 0;
  if (await any({ podUid: query }))
    return { kind: "pod-uid", url: `/pod?podUid=${q(query)}`, message: `the pod with UID ${query}` };
  if (await any({ containerId: query }))
    return { kind: "container", url: `/pod?container=${q(query)}`, message: `the sandbox ${query}` };
  if (await any({ node: query }))
    return { kind: "node", url: `/changes?node=${q(query)}`, message: `the changes on node ${query}` };
  try {
    await data.poolState(query, Date.now());
    return { kind: "pool", url: `/pool/${q(query)}`, message: `the pool ${query}` };
  } catch (error) {
    if (isLedgerError(error) && error.code === "INVALID_REQUEST")
      return { kind: "pool", url: `/pool/${q(query)}`, message: `the pool ${query} (in several domains: pick one)` };
    if (!isLedgerError(error) || (error.code !== "UNKNOWN_POOL" && error.code !== "NOT_FOUND")) throw error;
  }
  return {
    kind: "none",
    url: null,
    message: `nothing in the ledger is named ${query}: not an address, CIDR, pod, pod UID, container id, node or pool`,
  };
}
