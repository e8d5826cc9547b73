import {
  cidrContains,
  definePool,
  formatAddress,
  parseAddress,
  parseCidr,
  poolKeyOf,
  poolNameOf,
  resolveWindow,
  type Address,
  type Cidr,
  type LedgerState,
  type PoolDefinition,
  type PoolRecord,
  type PoolWindow,
} from "../../ledger/core/index.js";
import type { SourcePool } from "./importWhereaboutsSource.js";

/** An IPPool mapped onto the ledger: which pool and domain it becomes, and how to read its keys. */
export interface ResolvedPool {
  readonly source: SourcePool;
  /** `namespace/name` of the IPPool, for reports. */
  readonly ref: string;
  readonly pool: string;
  readonly domain: string;
  readonly networkName: string;
  readonly cidr: Cidr;
  /** Offsets count from the address written in `spec.range` (Go's `net.ParseCIDR` first result). */
  readonly base: Address;
  readonly window: PoolWindow;
  /** The ledger's pool when it already exists; otherwise the definition to write. */
  readonly existing: PoolRecord | undefined;
  readonly definition: PoolDefinition | undefined;
}

/**
 * Maps an IPPool to a ledger pool, or says why it cannot. The network name comes from the name:
 * `<range>` has none, `<network_name>-<range>` has one (whereabouts-compat §5.3). The domain is
 * the network name (Whereabouts' default `enable_overlapping_ranges: true`), unless the ledger
 * already has a pool of that name in another domain, which is then reused.
 */
export function resolvePool(source: SourcePool, state: LedgerState): ResolvedPool | string {
  const ref = `${source.namespace}/${source.name}`;
  const cidr = parseCidr(source.range);
  const base = parseAddress(source.range.slice(0, Math.max(0, source.range.lastIndexOf("/"))));
  if (!cidr || !base) return `spec.range ${JSON.stringify(source.range)} is not a CIDR`;
  const normalized = poolNameOf(cidr, "");
  let networkName: string;
  if (source.name === normalized) networkName = "";
  else if (source.name.endsWith(`-${normalized}`)) networkName = source.name.slice(0, -normalized.length - 1);
  else
    return `the name is neither "${normalized}" nor "<network_name>-${normalized}" (node-slice pools and renamed pools are not imported)`;
  const pool = poolNameOf(cidr, networkName);
  const existing =
    state.pools.get(poolKeyOf(networkName, pool)) ?? [...state.pools.values()].find((record) => record.name === pool);
  if (existing) {
    return {
      source,
      ref,
      pool,
      domain: existing.domain,
      networkName,
      cidr,
      base,
      window: existing.window,
      existing,
      definition: undefined,
    };
  }
  try {
    const spec = { range: source.range, exclude: [], key: `IPPool ${ref}` };
    const { definition } = definePool(spec, { networkName, reuseCooldownSeconds: 0, overlappingRanges: true });
    return {
      source,
      ref,
      pool,
      domain: networkName,
      networkName,
      cidr,
      base,
      window: resolveWindow(spec),
      existing: undefined,
      definition,
    };
  } catch (error) {
    return (error as Error).message;
  }
}

/** The address an allocation key names, or why it names none. Keys are decimal offsets. */
export function addressOfKey(pool: ResolvedPool, key: string): Address | string {
  if (!/^\d+$/.test(key)) return `key ${JSON.stringify(key)} is not a decimal offset`;
  const address = { family: pool.base.family, value: pool.base.value + BigInt(key) };
  if (!cidrContains(pool.cidr, address)) return `offset ${key} lies outside ${pool.source.range}`;
  return address;
}

/** Whereabouts' ORIP name for an address (`NormalizeIP`, whereabouts-compat §5.4). */
export function reservationNameOf(address: Address, networkName: string): string {
  let text = formatAddress(address);
  if (text.endsWith(":")) text += "0";
  text = text.replaceAll(":", "-");
  return networkName === "" ? text : `${networkName}-${text}`;
}
