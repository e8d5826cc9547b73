import { describe, expect, it } from "vitest";
import type { LedgerEvent, LoggedEvent } from "../../../../ledger/core/events.js";
import type { NewEvent } from "../../../../ledger/log/eventLog.js";
import {
  GENESIS_HASH,
  canonicalJson,
  chainBatch,
  chainEvent,
  verifyPartitionChain,
} from "../../../../ledger/log/hashChain.js";

const event = (id: string, ip = "10.1.0.2"): NewEvent => ({
  v: 1,
  id,
  type: "AddressAllocated",
  domain: "",
  pool: "10.1.0.0/24",
  at: "2025-01-07T14:05:00.000Z",
  actor: { node: "n", component: "test" },
  data: {
    ip,
    owner: { containerId: "c", ifName: "net1", podNamespace: "ns", podName: "p", podUid: "u", node: "n" },
    requested: false,
    basis: {},
  },
});
const logged = (events: LedgerEvent[]): LoggedEvent[] =>
  events.map((e, offset) => ({ partition: 3, offset, event: e }));

describe("canonicalJson", () => {
  it.each([
    [{ b: 1, a: { d: [1, "x"], c: null } }, '{"a":{"c":null,"d":[1,"x"]},"b":1}'],
    [{ a: undefined, b: () => 1, c: [undefined, Number.NaN] }, '{"c":[null,null]}'],
    [{ é: 1, Z: 2, a: 3 }, '{"Z":2,"a":3,"é":1}'],
    [{ when: new Date("2025-01-07T00:00:00Z") }, '{"when":"2025-01-07T00:00:00.000Z"}'],
    ["line\nbreak \u2028", JSON.stringify("line\nbreak \u2028")],
  ])("writes %j as %s", (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it("is the same before and after a JSON round trip, whatever the key order", () => {
    const value = { z: { y: [1.5, -0, 1e21], x: "ü" }, a: true };
    expect(canonicalJson(JSON.parse(JSON.stringify(value)))).toBe(
      canonicalJson({ a: true, z: { x: "ü", y: [1.5, 0, 1e21] } }),
    );
  });

  it("refuses what JSON cannot carry", () => {
    expect(() => canonicalJson(10n)).toThrow("bigint");
    expect(() => canonicalJson(undefined)).toThrow("no JSON form");
  });
});

describe("hash chain", () => {
  const chain = chainBatch(GENESIS_HASH, "", [event("a"), event("b"), event("c")]);

  it("links each event to the previous hash", () => {
    expect(chain[0]?.prev).toBe(GENESIS_HASH);
    expect(chain[1]?.prev).toBe(chain[0]?.hash);
    expect(chainEvent(GENESIS_HASH, event("a"))).toEqual(chain[0]);
    expect(verifyPartitionChain(logged(chain))).toEqual({ ok: true, head: chain[2]?.hash });
  });

  it("verifies a later page from the previous page's head", () => {
    expect(verifyPartitionChain(logged(chain).slice(1), chain[0]?.hash, 1)).toEqual({ ok: true, head: chain[2]?.hash });
    expect(verifyPartitionChain(logged(chain).slice(1))).toMatchObject({ ok: false, offset: 1, problem: "offset-gap" });
  });

  const replaceSecond = (l: LoggedEvent[], replacement: LedgerEvent) =>
    l.map((e, i) => (i === 1 ? { ...e, event: replacement } : e));
  const rehashed = chainEvent(chain[0]?.hash ?? "", event("b", "10.1.0.9"));
  it.each([
    [
      "an edited event",
      (l: LoggedEvent[]) => replaceSecond(l, { ...(l[1]?.event as LedgerEvent), pool: "x" }),
      1,
      "hash-mismatch",
    ],
    ["a re-hashed edit", (l: LoggedEvent[]) => replaceSecond(l, rehashed), 2, "prev-mismatch"],
    ["a missing event", (l: LoggedEvent[]) => [l[0], l[2]], 2, "offset-gap"],
    [
      "reordered events",
      (l: LoggedEvent[]) => [l[0], { ...l[2], offset: 1 }, { ...l[1], offset: 2 }],
      1,
      "prev-mismatch",
    ],
    ["another partition's event", (l: LoggedEvent[]) => [l[0], { ...l[1], partition: 4 }], 1, "wrong-partition"],
  ])("names the first broken link after %s", (_, tamper, offset, problem) => {
    const tampered = tamper(logged(chain)) as LoggedEvent[];
    expect(verifyPartitionChain(tampered)).toMatchObject({ ok: false, offset, problem });
  });
});
