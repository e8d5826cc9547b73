import { describe, expect, it } from "vitest";
import { partitionOfDomain } from "../../../../../ledger/log/kafka/domainPartition.js";
import { decodeEvent, encodeEvent } from "../../../../../ledger/log/kafka/kafkaRecords.js";
import { CHAIN_STRIDE, ChainIndex, ChainWalker } from "../../../../../ledger/log/kafka/partitionChain.js";
import { GENESIS_HASH, chainBatch, verifyPartitionChain } from "../../../../../ledger/log/hashChain.js";
import { allocations, poolDefined } from "../../../../int/ledger/log/logFixtures.js";

const TOPIC = "unit-topic";

describe("partitionOfDomain", () => {
  // Literal values: the mapping must never change, or existing topics would be read wrongly.
  it.each([
    ["", 6, 2],
    ["net-a", 6, 2],
    ["macvlan-conf", 6, 5],
    ["macvlan-conf", 12, 5],
    ["anything", 1, 0],
  ])("puts domain %j of a %i-partition topic in partition %i", (domain, partitions, expected) => {
    expect(partitionOfDomain(domain, partitions)).toBe(expected);
  });

  it("refuses a partition count below 1", () => {
    expect(() => partitionOfDomain("", 0)).toThrow(RangeError);
  });
});

describe("ChainWalker", () => {
  const partitionOf = (domain: string) => partitionOfDomain(domain, 6);
  const home = partitionOf("");
  const walker = (index: ChainIndex, offset = 0) =>
    new ChainWalker({ topic: TOPIC, partition: home, start: index.startFor(home, offset), index, partitionOf });
  const records = (count: number) =>
    [poolDefined(""), ...allocations("", count - 1)].map((event) => Buffer.from(encodeEvent(home, event).value));

  it("chains records exactly as the other adapters chain an append", () => {
    const events = [poolDefined(""), ...allocations("", 3)];
    const one = walker(new ChainIndex(TOPIC));
    const logged = events.map((event, offset) => one.advance(offset, Buffer.from(encodeEvent(home, event).value)));
    expect(logged.map((entry) => entry?.event)).toStrictEqual(chainBatch(GENESIS_HASH, "", events));
    expect(verifyPartitionChain(logged.flatMap((entry) => (entry ? [entry] : []))).ok).toBe(true);
  });

  it("skips a record it has passed (a re-delivery) and refuses a missing one", () => {
    const values = records(4);
    const one = walker(new ChainIndex(TOPIC));
    expect(one.advance(0, values[0] ?? null)?.offset).toBe(0);
    expect(one.advance(0, values[0] ?? null)).toBeUndefined();
    expect(() => one.advance(2, values[2] ?? null)).toThrow(
      expect.objectContaining({
        code: "INTEGRITY_VIOLATION",
        message: expect.stringContaining("no record at offset 1"),
      }),
    );
  });

  it("refuses a tombstone, non-JSON, and an event of another partition's domain", () => {
    const place = { topic: TOPIC, partition: home, offset: 0 };
    expect(() => decodeEvent(null, place, partitionOf)).toThrow(
      expect.objectContaining({ code: "INTEGRITY_VIOLATION" }),
    );
    expect(() => decodeEvent(Buffer.from("{oops"), place, partitionOf)).toThrow(
      expect.objectContaining({ code: "INTEGRITY_VIOLATION" }),
    );
    expect(() => decodeEvent(Buffer.from("[1]"), place, partitionOf)).toThrow(
      expect.objectContaining({ code: "INTEGRITY_VIOLATION" }),
    );
    const foreign = Buffer.from(JSON.stringify(poolDefined("macvlan-conf")));
    expect(() => decodeEvent(foreign, place, partitionOf)).toThrow(
      expect.objectContaining({ message: expect.stringContaining("belongs in partition 5") }),
    );
  });

  it("ignores prev and hash stored in a record and computes its own", () => {
    const event = poolDefined("");
    const stored = Buffer.from(JSON.stringify({ ...event, prev: "f".repeat(64), hash: "e".repeat(64) }));
    const logged = walker(new ChainIndex(TOPIC)).advance(0, stored);
    expect(logged?.event).toStrictEqual(chainBatch(GENESIS_HASH, "", [event])[0]);
  });
});

describe("ChainIndex", () => {
  const partitionOf = (domain: string) => partitionOfDomain(domain, 6);
  const home = partitionOf("");
  const values = [poolDefined(""), ...allocations("", 2 * CHAIN_STRIDE + 9)].map((event) =>
    Buffer.from(encodeEvent(home, event).value),
  );

  it("lets a later walk start at the nearest stride point or at the furthest point, with the same hashes", () => {
    const index = new ChainIndex(TOPIC);
    const first = new ChainWalker({
      topic: TOPIC,
      partition: home,
      start: index.startFor(home, 0),
      index,
      partitionOf,
    });
    const all = values.map((value, offset) => first.advance(offset, value));
    expect(index.startFor(home, CHAIN_STRIDE + 5)).toEqual({
      offset: CHAIN_STRIDE,
      prev: all[CHAIN_STRIDE - 1]?.event.hash,
    });
    expect(index.startFor(home, values.length + 3)).toEqual({ offset: values.length, prev: all.at(-1)?.event.hash });
    expect(index.startFor(home, 5)).toEqual({ offset: 0, prev: GENESIS_HASH });

    const start = index.startFor(home, CHAIN_STRIDE + 5);
    const again = new ChainWalker({ topic: TOPIC, partition: home, start, index, partitionOf });
    for (let offset = start.offset; offset < CHAIN_STRIDE + 10; offset += 1)
      expect(again.advance(offset, values[offset] ?? null)).toEqual(all[offset]);
  });

  it("trips when a partition reads differently than it did before (an edit under a running reader)", () => {
    const index = new ChainIndex(TOPIC);
    const first = new ChainWalker({
      topic: TOPIC,
      partition: home,
      start: index.startFor(home, 0),
      index,
      partitionOf,
    });
    values.forEach((value, offset) => first.advance(offset, value));
    const edited = [...values];
    const [replacement] = allocations("", 1, 200);
    if (!replacement) throw new Error("no fixture");
    edited[7] = Buffer.from(encodeEvent(home, replacement).value);
    const second = new ChainWalker({
      topic: TOPIC,
      partition: home,
      start: { offset: 0, prev: GENESIS_HASH },
      index,
      partitionOf,
    });
    expect(() => edited.forEach((value, offset) => second.advance(offset, value))).toThrow(
      expect.objectContaining({
        code: "INTEGRITY_VIOLATION",
        message: expect.stringContaining(`before offset ${CHAIN_STRIDE}`),
      }),
    );
  });
});
