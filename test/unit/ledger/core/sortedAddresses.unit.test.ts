import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SortedAddresses } from "../../../../ledger/core/sortedAddresses.js";

/** The reference: a plain sorted array searched linearly. */
function reference(values: readonly bigint[]) {
  const sorted = [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    sorted,
    lowerBound: (value: bigint) => {
      const index = sorted.findIndex((entry) => entry >= value);
      return index === -1 ? sorted.length : index;
    },
  };
}

function expectSame(actual: SortedAddresses, values: readonly bigint[], probes: readonly bigint[]): void {
  const model = reference(values);
  expect(actual.size).toBe(model.sorted.length);
  expect(actual.toArray()).toEqual(model.sorted);
  model.sorted.forEach((value, index) => expect(actual.at(index)).toBe(value));
  expect(actual.at(model.sorted.length)).toBeUndefined();
  for (const probe of probes) {
    expect(actual.lowerBound(probe)).toBe(model.lowerBound(probe));
    expect(actual.has(probe)).toBe(model.sorted.includes(probe));
  }
}

describe("SortedAddresses (blocks of sorted values, addressed by global position)", () => {
  it("given random adds and deletes across many blocks, then it answers as a plain sorted array", () => {
    const operation = fc.record({ add: fc.boolean(), value: fc.bigInt({ min: 0n, max: 3_000n }) });
    fc.assert(
      fc.property(
        fc.array(operation, { maxLength: 4_000 }),
        fc.array(fc.bigInt({ min: -1n, max: 3_001n })),
        (ops, probes) => {
          const actual = new SortedAddresses();
          const held = new Set<bigint>();
          for (const { add, value } of ops) {
            if (add) {
              actual.add(value);
              held.add(value);
            } else {
              actual.delete(value);
              held.delete(value);
            }
          }
          expectSame(actual, [...held], probes);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("given a run of consecutive values spanning blocks, when runEnd is asked from inside it, then it names the run's last position", () => {
    const values = [...Array.from({ length: 3_000 }, (_, index) => BigInt(index + 10)), 5_000n, 5_001n];
    const sorted = SortedAddresses.of(values.reverse());
    expectSame(sorted, values, [0n, 10n, 1_000n, 3_009n, 3_010n, 5_001n, 6_000n]);
    expect(sorted.runEnd(0)).toBe(2_999);
    expect(sorted.runEnd(1_700)).toBe(2_999);
    expect(sorted.runEnd(3_000)).toBe(3_001);
  });

  it("given blocks emptied by deletes, then positions after them still line up", () => {
    const sorted = SortedAddresses.of(Array.from({ length: 2_000 }, (_, index) => BigInt(index)));
    for (let value = 0n; value < 600n; value += 1n) sorted.delete(value);
    sorted.add(10_000n);
    expectSame(
      sorted,
      [...Array.from({ length: 1_400 }, (_, index) => BigInt(index + 600)), 10_000n],
      [0n, 600n, 9_999n],
    );
  });
});
