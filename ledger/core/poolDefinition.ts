import type { PoolDefinition } from "./events.js";
import { formatAddress, formatCidr } from "./ip.js";
import { poolNameOf, refuseInvertedBounds, resolveWindow, type RangeSpec } from "./window.js";

/** True when two definitions describe the same pool; a writer emits `PoolDefined` only on change. */
export function sameDefinition(a: PoolDefinition, b: PoolDefinition): boolean {
  return (
    a.range === b.range &&
    a.start === b.start &&
    a.end === b.end &&
    a.exclude.join(",") === b.exclude.join(",") &&
    (a.gateway ?? "") === (b.gateway ?? "") &&
    a.networkName === b.networkName &&
    a.reuseCooldownSeconds === b.reuseCooldownSeconds
  );
}

/** Options of a pool that are not part of its range. */
export interface PoolOptions {
  readonly gateway?: string | undefined;
  readonly networkName: string;
  readonly reuseCooldownSeconds: number;
  /** `enable_overlapping_ranges: false` puts the pool in an allocation domain of its own. */
  readonly overlappingRanges: boolean;
}

/**
 * Turns one range of a config into the pool it allocates from: Whereabouts' IPPool name, the
 * allocation domain, and the canonical definition written in `PoolDefined`.
 *
 * @example
 *   definePool({ range: "10.0.0.0/24", exclude: [], key: "ipam" }, { networkName: "", reuseCooldownSeconds: 0, overlappingRanges: true })
 *   // { pool: "10.0.0.0-24", domain: "", definition: { range: "10.0.0.0/24", start: "10.0.0.1", ... } }
 */
export function definePool(
  spec: RangeSpec,
  options: PoolOptions,
): { pool: string; domain: string; definition: PoolDefinition } {
  const window = resolveWindow(spec);
  refuseInvertedBounds(spec);
  const pool = poolNameOf(window.cidr, options.networkName);
  const domain = options.overlappingRanges ? options.networkName : `pool:${pool}`;
  const family = window.family;
  const definition: PoolDefinition = {
    range: formatCidr(window.cidr),
    start: formatAddress({ family, value: window.window.from }),
    end: formatAddress({ family, value: window.window.to }),
    exclude: spec.exclude.map((entry) => entry.trim()),
    networkName: options.networkName,
    reuseCooldownSeconds: options.reuseCooldownSeconds,
    ...(options.gateway ? { gateway: options.gateway } : {}),
  };
  return { pool, domain, definition };
}
