import fc from "fast-check";
import type { AddCommand, Command, DelCommand, GcCommand, RogueEvent, Writer } from "./ledgerWorld.js";
import { ADDRESSES, ALIASES, CONTAINERS, IF_NAMES, JUNK, PODS, POOLS } from "./poolFixtures.js";

/** fast-check generators of the commands `LedgerWorld.run` executes. */

const poolIndex = fc.nat(POOLS.length - 1);
const container = fc.nat(CONTAINERS.length - 1);
const pod = fc.nat(PODS.length - 1);
const ifName = fc.constantFrom(...IF_NAMES);
/** The live writer most of the time; lagging agents otherwise. */
const writer: fc.Arbitrary<Writer> = fc.constantFrom<Writer>(0, 0, 0, 1, 2);

/** Mostly canonical addresses of the fixtures' ranges, some other spellings, a little junk. */
export const addressText = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...ADDRESSES.keys()) },
  { weight: 2, arbitrary: fc.constantFrom(...ALIASES.keys()) },
  { weight: 1, arbitrary: fc.constantFrom(...JUNK) },
);

const add = (who: fc.Arbitrary<Writer>): fc.Arbitrary<AddCommand> =>
  fc.record({
    kind: fc.constant("add" as const),
    writer: who,
    container,
    pod,
    ifName,
    pools: fc.uniqueArray(poolIndex, { minLength: 1, maxLength: 3 }),
    requested: fc.oneof(
      { weight: 4, arbitrary: fc.constant([]) },
      { weight: 2, arbitrary: fc.array(addressText, { minLength: 1, maxLength: 2 }) },
    ),
    sticky: fc.boolean(),
    spread: fc.integer({ min: 1, max: 4 }),
    random: fc.nat(999),
    reverse: fc.boolean(),
    inFlight: fc.nat(5).map((draw) => draw === 0),
  });

const del = (who: fc.Arbitrary<Writer>): fc.Arbitrary<DelCommand> =>
  fc.record({
    kind: fc.constant("del" as const),
    writer: who,
    container,
    ifName,
    pools: fc.option(fc.uniqueArray(poolIndex, { minLength: 1, maxLength: 3 }), { nil: undefined, freq: 3 }),
    onlyIp: fc.option(addressText, { nil: undefined, freq: 1 }),
    reverse: fc.boolean(),
  });

const gc: fc.Arbitrary<GcCommand> = fc.record({
  kind: fc.constant("gc" as const),
  writer,
  pools: fc.uniqueArray(poolIndex, { minLength: 1, maxLength: POOLS.length }),
  valid: fc.uniqueArray(fc.nat(CONTAINERS.length * IF_NAMES.length - 1), { maxLength: 6 }),
});

const rogue: fc.Arbitrary<RogueEvent> = fc.record({
  type: fc.constantFrom(
    "AddressAllocated",
    "AddressAllocated",
    "AddressReleased",
    "AllocationAdopted",
    "AddressReserved",
    "ReservationLifted",
    "PoolDefined",
    "InvalidPool",
  ),
  pool: poolIndex,
  wrongDomain: fc.nat(4).map((draw) => draw === 0),
  ip: addressText,
  container,
  fromContainer: container,
  pod,
  ifName,
  requested: fc.boolean(),
  skewMs: fc.integer({ min: -5_000, max: 5_000 }),
});

export const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 10, arbitrary: add(writer) },
  { weight: 5, arbitrary: del(writer) },
  { weight: 1, arbitrary: gc },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("race" as const),
      first: fc.oneof(add(fc.constant<Writer>(0)), del(fc.constant<Writer>(0))),
      second: fc.oneof(add(fc.constant<Writer>(0)), del(fc.constant<Writer>(0))),
      secondFirst: fc.boolean(),
      interleave: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("duplicate" as const), pick: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("catchUp" as const),
      agent: fc.constantFrom<1 | 2>(1, 2),
      count: fc.nat(12),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("rewind" as const),
      agent: fc.constantFrom<1 | 2>(1, 2),
      fraction: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("rogue" as const), event: rogue }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("tick" as const), ms: fc.integer({ min: 0, max: 4_000 }) }) },
);
