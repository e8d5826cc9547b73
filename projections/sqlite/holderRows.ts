import type { Owner } from "../../ledger/core/index.js";
import { addressToBlob, parseAddress } from "../../ledger/core/index.js";

/** The columns every tenancy and allocation row starts with, in this order. */
export const HOLDER_COLUMNS = `domain, pool, ip, ip_blob, family, container_id, if_name, pod_namespace, pod_name, pod_uid, node, requested`;

/** Addresses repeat all the time in a pool's history: parse each once (bounded). */
const BLOB_CACHE_LIMIT = 200_000;

export interface AddressColumns {
  readonly blob: Buffer;
  readonly family: number;
}

/**
 * The values of `HOLDER_COLUMNS` for one holder, with a bounded cache of address blobs: the
 * incremental writer and the bulk loader both build their rows here, so both write the same
 * values.
 *
 * @example const { holder } = holderRows(); insert.run(...holder(domain, pool, ip, owner, false), ...from);
 */
export function holderRows() {
  const blobs = new Map<string, AddressColumns>();
  const addressOf = (ip: string): AddressColumns => {
    let known = blobs.get(ip);
    if (!known) {
      const address = parseAddress(ip);
      if (!address)
        throw new Error(`projection got an effect with a non-address ${ip}; the fold should have voided it`);
      if (blobs.size >= BLOB_CACHE_LIMIT) blobs.clear();
      known = { blob: Buffer.from(addressToBlob(address)), family: address.family };
      blobs.set(ip, known);
    }
    return known;
  };
  const holder = (domain: string, pool: string, ip: string, owner: Owner, requested: boolean): unknown[] => {
    const { blob, family } = addressOf(ip);
    return [
      domain,
      pool,
      ip,
      blob,
      family,
      owner.containerId,
      owner.ifName,
      owner.podNamespace,
      owner.podName,
      owner.podUid,
      owner.node,
      requested ? 1 : 0,
    ];
  };
  return { addressOf, holder };
}
