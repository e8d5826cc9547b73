import { existsSync, readFileSync } from "node:fs";
import { LedgerError } from "../../ledger/core/index.js";

/**
 * Whereabouts' flat-file locations, then ipledger's own. The first that exists is merged into the
 * inline `ipam` object; none is required (Whereabouts requires one since v0.6.2, which only
 * turns a missing file into a failed pod).
 */
export const FLAT_FILE_LOCATIONS = [
  "/etc/kubernetes/cni/net.d/whereabouts.d/whereabouts.conf",
  "/etc/cni/net.d/whereabouts.d/whereabouts.conf",
  "/host/etc/cni/net.d/whereabouts.d/whereabouts.conf",
  "/etc/cni/net.d/ipledger.d/ipledger.conf",
];

// Unlike Whereabouts' zero-value merge, an inline `false` or `0` is a choice and is kept.
function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0);
}

/**
 * Fills every empty inline key from the flat file, as Whereabouts' merge does (inline values
 * win). `enable_overlapping_ranges` is always taken from the inline config.
 */
export function mergeFlatFile(ipam: Record<string, unknown>, locations: readonly string[] = FLAT_FILE_LOCATIONS): Record<string, unknown> {
  const explicit = typeof ipam.configuration_path === "string" && ipam.configuration_path !== "" ? [ipam.configuration_path] : [];
  const path = [...explicit, ...locations].find((candidate) => existsSync(candidate) && !candidate.endsWith("/"));
  if (path === undefined) return ipam;
  let flat: unknown;
  try {
    flat = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    // A directory (the installer sets configuration_path to one) holds no flat config.
    if ((error as NodeJS.ErrnoException).code === "EISDIR") return ipam;
    throw new LedgerError("INVALID_CONFIG", `flat file ${path} is not valid JSON (${(error as Error).message}); fix or remove it`, { key: "ipam.configuration_path" });
  }
  if (typeof flat !== "object" || flat === null || Array.isArray(flat)) {
    throw new LedgerError("INVALID_CONFIG", `flat file ${path} must hold a JSON object with IPAM keys`, { key: "ipam.configuration_path" });
  }
  const merged: Record<string, unknown> = { ...ipam };
  for (const [key, value] of Object.entries(flat)) {
    if (key === "enable_overlapping_ranges") continue;
    if (isEmpty(merged[key])) merged[key] = value;
  }
  return merged;
}
