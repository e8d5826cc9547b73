import { bitsOf, formatCidr, parseAddress, type Family } from "../../ledger/core/index.js";

/**
 * The fewest CIDRs that cover exactly the given addresses, IPv4 first, each family ascending:
 * consecutive addresses merge into runs, and each run is cut into the largest aligned blocks.
 *
 * @example collapseCidrs(["10.0.0.4", "10.0.0.5", "10.0.0.6", "10.0.0.7", "10.0.0.9"]) // ["10.0.0.4/30", "10.0.0.9/32"]
 */
export function collapseCidrs(addresses: readonly string[]): string[] {
  const byFamily: Record<Family, bigint[]> = { 4: [], 6: [] };
  for (const text of addresses) {
    const address = parseAddress(text);
    if (address) byFamily[address.family].push(address.value);
  }
  return ([4, 6] as const).flatMap((family) =>
    runsOf(byFamily[family]).flatMap(([from, to]) => blocksOf(family, from, to)),
  );
}

/** Sorted, de-duplicated values as inclusive runs of consecutive values. */
function runsOf(values: bigint[]): [bigint, bigint][] {
  const sorted = [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const runs: [bigint, bigint][] = [];
  for (const value of sorted) {
    const last = runs[runs.length - 1];
    if (last && last[1] + 1n === value) last[1] = value;
    else runs.push([value, value]);
  }
  return runs;
}

/** Cuts [from, to] into aligned power-of-two blocks, largest first from the left. */
function blocksOf(family: Family, from: bigint, to: bigint): string[] {
  const bits = bitsOf(family);
  const blocks: string[] = [];
  let start = from;
  while (start <= to) {
    let hostBits = 0;
    // Grow the block while `start` stays aligned to it and it still ends inside the run.
    while (
      hostBits < bits &&
      start % (1n << BigInt(hostBits + 1)) === 0n &&
      start + (1n << BigInt(hostBits + 1)) - 1n <= to
    )
      hostBits += 1;
    blocks.push(formatCidr({ family, network: start, prefix: bits - hostBits }));
    start += 1n << BigInt(hostBits);
  }
  return blocks;
}
