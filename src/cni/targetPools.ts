import {
  definePool,
  formatAddress,
  isExcluded,
  LedgerError,
  parseAddress,
  resolveWindow,
  type TargetPool,
} from "../../ledger/core/index.js";
import type { IpamConfig } from "./ipamConfig.js";

interface RangeConfig {
  readonly range: string;
  readonly rangeStart: string | undefined;
  readonly rangeEnd: string | undefined;
  readonly exclude: readonly string[];
  readonly gateway: string | undefined;
  readonly key: string;
}

/** `range`, then each `ipRanges` entry, with the gateway each one uses. */
function rangesOf(ipam: IpamConfig): RangeConfig[] {
  return [
    ...(ipam.range
      ? [
          {
            range: ipam.range,
            rangeStart: ipam.range_start,
            rangeEnd: ipam.range_end,
            exclude: ipam.exclude ?? [],
            gateway: undefined,
            key: "ipam",
          },
        ]
      : []),
    ...(ipam.ipRanges ?? []).map((entry, index) => ({
      range: entry.range,
      rangeStart: entry.range_start,
      rangeEnd: entry.range_end,
      exclude: entry.exclude ?? [],
      gateway: entry.gateway,
      key: `ipam.ipRanges[${index}]`,
    })),
  ];
}

/**
 * The bridge plugin with `isGateway` (or `isDefaultGateway`, which implies it) and no gateway in
 * the result puts the subnet's first host on the bridge: the pod must never get that address.
 */
function bridgeTakesFirstHost(config: Record<string, unknown>): boolean {
  return config.type === "bridge" && (config.isGateway === true || config.isDefaultGateway === true);
}

/**
 * Resolves each range of the config into the pool it allocates from. The gateway of a range is
 * its own `gateway` (ipRanges entries), else the top-level one when it is of the range's family
 * (Whereabouts puts an IPv4 gateway on IPv6 addresses too).
 */
export function targetsOf(ipam: IpamConfig, config: Record<string, unknown>): TargetPool[] {
  const options = {
    networkName: ipam.network_name ?? "",
    reuseCooldownSeconds: ipam.reuse_cooldown_seconds ?? 0,
    overlappingRanges: ipam.enable_overlapping_ranges ?? true,
  };
  return rangesOf(ipam).map((spec) => {
    const family = resolveWindow(spec).family;
    const own = spec.gateway === undefined ? undefined : parseAddress(spec.gateway);
    if (own && own.family !== family) {
      throw new LedgerError(
        "INVALID_CONFIG",
        `${spec.key}.gateway ${spec.gateway} is IPv${own.family} but ${spec.key}.range is IPv${family}; give the range a gateway of its own family`,
        { key: `${spec.key}.gateway` },
      );
    }
    const top = ipam.gateway === undefined ? undefined : parseAddress(ipam.gateway);
    const gateway = own ? formatAddress(own) : top && top.family === family ? formatAddress(top) : undefined;
    const target = definePool(spec, { ...options, gateway });
    if (gateway !== undefined || !bridgeTakesFirstHost(config)) return target;
    const window = resolveWindow(spec);
    return { ...target, implicitGateway: formatAddress({ family, value: window.cidr.network + 1n }) };
  });
}

/**
 * One line per pool whose dynamic window holds its gateway: ipledger keeps the gateway back, but
 * Whereabouts would hand it out, and the operator should know why the first address is skipped.
 */
export function gatewayWarnings(targets: readonly TargetPool[]): string[] {
  return targets.flatMap((target) => {
    const { definition } = target;
    const gateway = definition.gateway ?? target.implicitGateway;
    const address = gateway === undefined ? undefined : parseAddress(gateway);
    if (!address) return [];
    const window = resolveWindow({
      range: definition.range,
      rangeStart: definition.start,
      rangeEnd: definition.end,
      exclude: definition.exclude,
      key: "ipam",
    });
    if (
      address.family !== window.family ||
      address.value < window.window.from ||
      address.value > window.window.to ||
      isExcluded(window, address.value)
    )
      return [];
    const why =
      definition.gateway !== undefined
        ? `gateway ${gateway}`
        : `${gateway}, which the bridge (isGateway, no gateway configured) takes for itself,`;
    return [
      `pool ${target.pool}: ${why} lies inside the window ${definition.start}-${definition.end}; ipledger never hands it out, but set range_start past it or exclude it to say so in the config`,
    ];
  });
}
