import { expect } from "vitest";
import { addressKey, attachmentKeyOf, type LedgerState } from "../../ledger/core/index.js";

/**
 * No address has two owners, read from every index of the state: the holdings of all pools of
 * a domain have distinct addresses, and they are exactly the domain's `held` map and its sorted
 * sets; the pod-interface index points at those same holdings.
 */
export function expectOneOwnerPerAddress(state: LedgerState): void {
  for (const domain of state.domains.values()) {
    const fromPools = new Map<string, string>();
    for (const pool of state.pools.values()) {
      if (pool.domain !== domain.name) continue;
      for (const holding of pool.byAttachment.values()) {
        const key = addressKey(holding);
        const other = fromPools.get(key);
        if (other !== undefined)
          expect.fail(
            `${holding.ip} in domain ${JSON.stringify(domain.name)} has two owners: ${other} and ${holding.owner.containerId}/${holding.owner.ifName} (${pool.name})`,
          );
        fromPools.set(key, `${holding.owner.containerId}/${holding.owner.ifName} (${pool.name})`);
        if (domain.held.get(key) !== holding)
          expect.fail(
            `the held map of ${JSON.stringify(domain.name)} does not have ${holding.ip} as ${pool.name} does`,
          );
      }
    }
    if (domain.held.size !== fromPools.size)
      expect.fail(`the held map of ${JSON.stringify(domain.name)} has holdings no pool has`);
    for (const family of [4, 6] as const) {
      const sorted = domain.sorted[family];
      const values = Array.from({ length: sorted.size }, (_, index) => sorted.at(index));
      const expected = [...domain.held.values()]
        .filter((h) => h.family === family)
        .map((h) => h.value)
        .sort((a, b) => (a < b ? -1 : 1));
      if (values.join() !== expected.join())
        expect(values, `sorted IPv${family} addresses of ${JSON.stringify(domain.name)}`).toEqual(expected);
    }
  }
  for (const pool of state.pools.values()) {
    for (const [podKey, holding] of pool.byPodInterface) {
      if (pool.byAttachment.get(attachmentKeyOf(holding.owner)) !== holding)
        expect.fail(`pod index ${podKey} of ${pool.name} points at a holding the pool does not have`);
    }
  }
}
