import { describe, expect, it } from "vitest";
import { SortedAddresses } from "../../../../ledger/core/sortedAddresses.js";
import { seededRandom } from "../../../support/seededRandom.js";

describe("SortedAddresses: blocks that behave as one sorted array", () => {
  it("given random adds and deletes across many blocks, then it matches a plain sorted set at every step", () => {
    const random = seededRandom(7);
    const sorted = new SortedAddresses();
    const model = new Set<bigint>();
    for (let step = 0; step < 6_000; step += 1) {
      const value = BigInt(Math.floor(random() * 3_000));
      if (random() < 0.7) {
        sorted.add(value);
        model.add(value);
      } else {
        sorted.delete(value);
        model.delete(value);
      }
      if (step % 500 === 0 || step === 5_999) {
        const expected = [...model].sort((a, b) => (a < b ? -1 : 1));
        expect(sorted.toArray()).toEqual(expected);
        expect(sorted.size).toBe(expected.length);
        const probe = BigInt(Math.floor(random() * 3_000));
        const bound = expected.findIndex((entry) => entry >= probe);
        expect(sorted.lowerBound(probe)).toBe(bound < 0 ? expected.length : bound);
        expect(sorted.has(probe)).toBe(model.has(probe));
        const index = Math.floor(random() * expected.length);
        expect(sorted.at(index)).toBe(expected[index]);
        let end = index;
        while (end + 1 < expected.length && expected[end + 1]! - expected[index]! === BigInt(end + 1 - index)) end += 1;
        expect(sorted.runEnd(index)).toBe(end);
      }
    }
  });

  it("given a snapshot's values, when built at once, then equal to adding them one by one", () => {
    const values = Array.from({ length: 5_000 }, (_, index) => BigInt((index * 7919) % 10_007));
    const built = SortedAddresses.of(values);
    const added = new SortedAddresses();
    values.forEach((value) => added.add(value));
    expect(built.toArray()).toEqual(added.toArray());
    expect(built.runEnd(0)).toBe(added.runEnd(0));
  });
});
