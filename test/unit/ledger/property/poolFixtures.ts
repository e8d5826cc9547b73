import { definePool, type Owner, type PoolDefinition, type TargetPool } from "../../../../ledger/core/index.js";

/**
 * The pools the property test allocates from, with what each may hand out written down BY HAND
 * (host numbers of 10.0.0.0/24 and fd00::/120), not computed by the code under test. The
 * reference model only ever consults these tables.
 */
export interface PoolFixture {
  readonly label: string;
  /** What a CNI config with this range resolves to (the definition comes from `definePool`). */
  readonly target: TargetPool;
  readonly family: 4 | 6;
  /** Every address of the CIDR, network and last address included. */
  readonly cidr: ReadonlySet<string>;
  /** The CIDR without its network and last address: where a requested address may lie. */
  readonly usable: ReadonlySet<string>;
  /** range_start..range_end minus excludes: what a dynamic pick may return. */
  readonly dynamic: ReadonlySet<string>;
  /** The usable range minus excludes: what a requested address may be. */
  readonly requestable: ReadonlySet<string>;
  readonly cooldownMs: number;
}

export const v4 = (host: number): string => `10.0.0.${host}`;
export const v6 = (host: number): string => (host === 0 ? "fd00::" : `fd00::${host.toString(16)}`);

function hosts(
  format: (host: number) => string,
  from: number,
  to: number,
  except: readonly number[] = [],
): Set<string> {
  const set = new Set<string>();
  for (let host = from; host <= to; host += 1) if (!except.includes(host)) set.add(format(host));
  return set;
}

const overlapping = { networkName: "", reuseCooldownSeconds: 0, overlappingRanges: true } as const;

function fixture(
  label: string,
  target: TargetPool,
  facts: Omit<PoolFixture, "label" | "target" | "cooldownMs">,
): PoolFixture {
  return { label, target, cooldownMs: target.definition.reuseCooldownSeconds * 1000, ...facts };
}

/** Index = the pool number commands refer to. */
export const POOLS: readonly PoolFixture[] = [
  fixture(
    "A 10.0.0.0/29 from .2, .3 excluded",
    definePool({ range: "10.0.0.0/29", rangeStart: "10.0.0.2", exclude: ["10.0.0.3"], key: "ipam" }, overlapping),
    {
      family: 4,
      cidr: hosts(v4, 0, 7),
      usable: hosts(v4, 1, 6),
      dynamic: hosts(v4, 2, 6, [3]),
      requestable: hosts(v4, 1, 6, [3]),
    },
  ),
  // The same pool (same name, same domain) redefined: the history shows the change.
  fixture(
    "A' 10.0.0.0/29 redefined without excludes",
    definePool({ range: "10.0.0.0/29", exclude: [], key: "ipam" }, overlapping),
    {
      family: 4,
      cidr: hosts(v4, 0, 7),
      usable: hosts(v4, 1, 6),
      dynamic: hosts(v4, 1, 6),
      requestable: hosts(v4, 1, 6),
    },
  ),
  fixture("B 10.0.0.4/30", definePool({ range: "10.0.0.4/30", exclude: [], key: "ipam.ipRanges[0]" }, overlapping), {
    family: 4,
    cidr: hosts(v4, 4, 7),
    usable: hosts(v4, 5, 6),
    dynamic: hosts(v4, 5, 6),
    requestable: hosts(v4, 5, 6),
  }),
  fixture(
    "C 10.0.0.5-10.0.0.9/28, .12-.13 excluded",
    definePool(
      { range: "10.0.0.5-10.0.0.9/28", exclude: ["10.0.0.12-10.0.0.13"], key: "ipam.ipRanges[1]" },
      overlapping,
    ),
    {
      family: 4,
      cidr: hosts(v4, 0, 15),
      usable: hosts(v4, 1, 14),
      dynamic: hosts(v4, 5, 9),
      requestable: hosts(v4, 1, 14, [12, 13]),
    },
  ),
  fixture(
    "D 10.0.0.0/29 in network blue",
    definePool({ range: "10.0.0.0/29", exclude: [], key: "ipam" }, { ...overlapping, networkName: "blue" }),
    {
      family: 4,
      cidr: hosts(v4, 0, 7),
      usable: hosts(v4, 1, 6),
      dynamic: hosts(v4, 1, 6),
      requestable: hosts(v4, 1, 6),
    },
  ),
  fixture(
    "E fd00::/125, fd00::2 excluded, 3 s reuse cooldown",
    definePool(
      { range: "fd00::/125", exclude: ["fd00::2"], key: "ipam.ipRanges[2]" },
      { ...overlapping, reuseCooldownSeconds: 3 },
    ),
    {
      family: 6,
      cidr: hosts(v6, 0, 7),
      usable: hosts(v6, 1, 6),
      dynamic: hosts(v6, 1, 6, [2]),
      requestable: hosts(v6, 1, 6, [2]),
    },
  ),
  fixture(
    "F 10.0.0.0/30 with overlapping ranges off",
    definePool({ range: "10.0.0.0/30", exclude: [], key: "ipam" }, { ...overlapping, overlappingRanges: false }),
    {
      family: 4,
      cidr: hosts(v4, 0, 3),
      usable: hosts(v4, 1, 2),
      dynamic: hosts(v4, 1, 2),
      requestable: hosts(v4, 1, 2),
    },
  ),
];

/** Definitions a rogue writer may log that the fold must void (it cannot resolve them). */
export const INVALID_DEFINITIONS: readonly {
  readonly domain: string;
  readonly pool: string;
  readonly definition: PoolDefinition;
}[] = [
  {
    domain: "",
    pool: "10.0.0.0-31",
    definition: {
      range: "10.0.0.0/31",
      start: "10.0.0.0",
      end: "10.0.0.1",
      exclude: [],
      networkName: "",
      reuseCooldownSeconds: 0,
    },
  },
  {
    domain: "",
    pool: "10.0.0.0-29",
    definition: {
      range: "10.0.0.0/29",
      start: "10.0.0.1",
      end: "10.0.0.6",
      exclude: [],
      gateway: "gw",
      networkName: "",
      reuseCooldownSeconds: 0,
    },
  },
];

/** Every canonical address a command may name, with its family. */
export const ADDRESSES: ReadonlyMap<string, 4 | 6> = new Map<string, 4 | 6>([
  ...[...hosts(v4, 0, 16)].map((ip) => [ip, 4] as const),
  ...[...hosts(v6, 0, 8)].map((ip) => [ip, 6] as const),
]);

/** Other spellings of canonical addresses that every parser of ipledger must accept. */
export const ALIASES: ReadonlyMap<string, string> = new Map([
  ["10.00.0.5", "10.0.0.5"], // Whereabouts accepts zero-padded octets, "00" included
  ["010.0.0.2", "10.0.0.2"],
  ["10.0.0.006", "10.0.0.6"],
  ["FD00::4", "fd00::4"],
  ["fd00:0:0:0:0:0:0:5", "fd00::5"],
]);

/** Texts that are no address at all. */
export const JUNK: readonly string[] = ["10.0.0.300", "pod-a", "fd00::1%eth0"];

/** The canonical spelling and family of `text`, or undefined when it is no address. */
export function canonical(text: string): { ip: string; family: 4 | 6 } | undefined {
  const ip = ALIASES.get(text) ?? text;
  const family = ADDRESSES.get(ip);
  if (family !== undefined) return { ip, family };
  if (JUNK.includes(text)) return undefined;
  throw new Error(`test bug: ${text} is in no address table of the fixtures`);
}

export const CONTAINERS = ["c0", "c1", "c2", "c3"] as const;
export const PODS = ["", "web-0", "web-1"] as const;
export const IF_NAMES = ["net1", "net2"] as const;

export function ownerOf(container: number, pod: number, ifName: string, node = "node-a"): Owner {
  const containerId = CONTAINERS[container % CONTAINERS.length] as string;
  const podName = PODS[pod % PODS.length] as string;
  return {
    containerId,
    ifName,
    podNamespace: podName === "" ? "" : "ns",
    podName,
    podUid: `${podName}-${containerId}`,
    node,
  };
}
