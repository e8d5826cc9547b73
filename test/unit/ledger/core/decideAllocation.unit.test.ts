import { describe, expect, it } from "vitest";
import { decideAllocation } from "../../../../ledger/core/index.js";
import {
  allocate,
  allocated,
  fold,
  given,
  history,
  owner,
  pool,
  release,
  released,
} from "../../../support/deciderSpec.js";

const readmePool = pool("192.168.2.225/28", { exclude: ["192.168.2.229/30", "192.168.2.236/32"] });

describe("allocation: the lowest free address", () => {
  it("hands out Whereabouts' README sequence, skipping excluded subnets and bare IPs", () => {
    const pods = ["a", "b", "c", "d", "e", "f", "g", "h", "i"].map((name) => owner(name));
    const steps = pods.map((pod) => allocated(allocate(pod, [readmePool])));
    const events = history(...steps);
    const ips = events
      .filter((event) => event.type === "AddressAllocated")
      .map((event) => (event.data as { ip: string }).ip);
    expect(ips).toEqual([
      "192.168.2.225",
      "192.168.2.226",
      "192.168.2.227",
      "192.168.2.232",
      "192.168.2.233",
      "192.168.2.234",
      "192.168.2.235",
      "192.168.2.237",
      "192.168.2.238",
    ]);
    given(events)
      .when(allocate(owner("j"), [readmePool]))
      .thenFails("POOL_EXHAUSTED", /192\.168\.2\.225-192\.168\.2\.238/);
  });

  it("defines the pool on first use, then only allocates", () => {
    const first = given([]).when(allocate(owner("a"), [readmePool]));
    first.thenEventTypes(["PoolDefined", "AddressAllocated"]);
    const events = history(allocated(allocate(owner("a"), [readmePool])));
    given(events)
      .when(allocate(owner("b"), [readmePool]))
      .thenEventTypes(["AddressAllocated"]);
  });

  it("writes PoolDefined again when the definition changes, so history shows when a range changed", () => {
    const events = history(allocated(allocate(owner("a"), [pool("10.0.0.0/24")])));
    given(events)
      .when(allocate(owner("b"), [pool("10.0.0.0/24", { exclude: ["10.0.0.2"] })]))
      .thenEventTypes(["PoolDefined", "AddressAllocated"]);
  });

  it("reuses a freed hole at once (no round robin)", () => {
    const p = pool("10.0.0.0/29");
    const events = history(
      allocated(allocate(owner("a"), [p])),
      allocated(allocate(owner("b"), [p])),
      released(release(owner("a"))),
    );
    given(events)
      .when(allocate(owner("c"), [p], { sticky: false }))
      .thenAddresses(["10.0.0.1"]);
  });

  it("starts at range_start and stops at range_end, ignoring them when outside the window", () => {
    given([])
      .when(allocate(owner("a"), [pool("10.0.0.0/24", { start: "10.0.0.100", end: "10.0.0.101" })]))
      .thenAddresses(["10.0.0.100"]);
    given([])
      .when(allocate(owner("a"), [pool("10.0.0.0/24", { start: "10.9.9.9" })]))
      .thenAddresses(["10.0.0.1"]);
  });

  it.each([
    [
      "range_start past range_end",
      () => pool("10.0.0.0/24", { start: "10.0.0.50", end: "10.0.0.10" }),
      /ipam\.range_start 10\.0\.0\.50 is greater than ipam\.range_end 10\.0\.0\.10/,
    ],
    [
      "a dash range written backwards",
      () => pool("10.0.0.50-10.0.0.10/24"),
      /ipam\.range .*starts at 10\.0\.0\.50, past its end 10\.0\.0\.10/,
    ],
  ])("refuses %s (Whereabouts silently ignores the bounds)", (_, define, message) => {
    expect(define).toThrow(message);
  });

  it("jumps past an excluded subnet that covers range_start (IPv6)", () => {
    given([])
      .when(allocate(owner("a"), [pool("fd00:10::/120", { start: "fd00:10::10", exclude: ["fd00:10::10/126"] })]))
      .thenAddresses(["fd00:10::14"]);
  });

  it("accepts a dash range in exclude, which Whereabouts rejects", () => {
    given([])
      .when(
        allocate(owner("a"), [
          pool("192.168.60.0/24", { start: "192.168.60.10", exclude: ["192.168.60.10-192.168.60.20"] }),
        ]),
      )
      .thenAddresses(["192.168.60.21"]);
  });

  it("allocates at the far end of an IPv6 /64 as cheaply as at the start", () => {
    const p = pool("fd00:1::/64", { start: "fd00:1::ffff:ffff:ffff:fff0" });
    given([])
      .when(allocate(owner("a"), [p]))
      .thenAddresses(["fd00:1::ffff:ffff:ffff:fff0"]);
    const full = pool("fd00:1::/64", { start: "fd00:1::ffff:ffff:ffff:fffe" });
    const events = history(allocated(allocate(owner("a"), [full])));
    given(events)
      .when(allocate(owner("b"), [full]))
      .thenFails("POOL_EXHAUSTED");
  });
});

describe("allocation domains", () => {
  it("never gives an address held by an overlapping pool of the same domain", () => {
    const wide = pool("10.1.0.0/24");
    const narrow = pool("10.1.0.0/28");
    const events = history(allocated(allocate(owner("a"), [wide])));
    given(events)
      .when(allocate(owner("b"), [narrow]))
      .thenAddresses(["10.1.0.2"]);
  });

  it("lets two network names allocate the same range independently", () => {
    const events = history(allocated(allocate(owner("a"), [pool("10.1.0.0/24", { networkName: "blue" })])));
    given(events)
      .when(allocate(owner("b"), [pool("10.1.0.0/24", { networkName: "green" })]))
      .thenAddresses(["10.1.0.1"]);
  });

  it("gives a pool its own domain when enable_overlapping_ranges is false", () => {
    const events = history(allocated(allocate(owner("a"), [pool("10.1.0.0/24")])));
    const isolated = pool("10.1.0.0/28", { overlapping: false });
    expect(isolated.domain).toBe("pool:10.1.0.0-28");
    given(events)
      .when(allocate(owner("b"), [isolated]))
      .thenAddresses(["10.1.0.1"]);
  });
});

describe("identity: ADD is idempotent, a new sandbox adopts", () => {
  it("returns the same address to the same container and interface without new events", () => {
    const events = history(allocated(allocate(owner("a"), [readmePool])));
    given(events)
      .when(allocate(owner("a"), [readmePool]))
      .thenEventTypes([]);
    given(events)
      .when(allocate(owner("a"), [readmePool]))
      .thenAddresses(["192.168.2.225"]);
  });

  it("moves the address to a new sandbox of the same pod and interface as AllocationAdopted", () => {
    const events = history(allocated(allocate(owner("a"), [readmePool])));
    const newSandbox = owner("a", { containerId: "ctr-a-2", podUid: "uid-a-2" });
    given(events)
      .when(allocate(newSandbox, [readmePool]))
      .thenEventTypes(["AllocationAdopted"]);
    given(events)
      .when(allocate(newSandbox, [readmePool]))
      .thenAddresses(["192.168.2.225"]);
  });

  it("gives different interfaces of one pod different addresses", () => {
    const events = history(allocated(allocate(owner("a"), [readmePool])));
    given(events)
      .when(allocate(owner("a", { ifName: "net2" }), [readmePool]))
      .thenAddresses(["192.168.2.226"]);
  });
});

describe("several ranges", () => {
  it("takes one address from range then from each ipRanges entry, in order", () => {
    given([])
      .when(allocate(owner("a"), [pool("10.20.0.0/24"), pool("fd00:20::/64")]))
      .thenAddresses(["10.20.0.1", "fd00:20::1"]);
  });

  it("refuses the whole request, appending nothing, when a later range is exhausted", () => {
    const tiny = pool("10.30.0.0/30");
    const events = history(allocated(allocate(owner("x"), [tiny])), allocated(allocate(owner("y"), [tiny])));
    given(events)
      .when(allocate(owner("a"), [pool("10.20.0.0/24"), tiny]))
      .thenFails("POOL_EXHAUSTED", /10\.30\.0\.0-30/);
  });
});

describe("requested addresses", () => {
  const p = pool("10.40.0.0/24", { start: "10.40.0.100" });

  it("replaces the dynamic pick and is recorded as requested, even below range_start", () => {
    const events = given([])
      .when(allocate(owner("a"), [p], { requested: ["10.40.0.7"] }))
      .thenAddresses(["10.40.0.7"]);
    const claim = events.find((event) => event.type === "AddressAllocated");
    expect(claim?.data).toMatchObject({ requested: true });
  });

  it("names the holder when the requested address is taken", () => {
    const events = history(allocated(allocate(owner("a"), [p], { requested: ["10.40.0.7"] })));
    given(events)
      .when(allocate(owner("b"), [p], { requested: ["10.40.0.7"] }))
      .thenFails("ADDRESS_IN_USE", /default\/a/);
  });

  it("names the windows when the requested address is outside every range", () => {
    given([])
      .when(allocate(owner("a"), [p], { requested: ["10.99.0.7"] }))
      .thenFails("ADDRESS_OUTSIDE_RANGE", /10\.40\.0\.0\/24/);
  });

  it("refuses an excluded address", () => {
    given([])
      .when(allocate(owner("a"), [pool("10.40.0.0/24", { exclude: ["10.40.0.7"] })], { requested: ["10.40.0.7"] }))
      .thenFails("ADDRESS_EXCLUDED");
  });
});

describe("sticky and cooldown", () => {
  const p = pool("10.60.0.0/24");

  it("gives a re-created pod its last address back when it is free", () => {
    const events = history(
      allocated(allocate(owner("a"), [p])),
      allocated(allocate(owner("web-0"), [p])),
      released(release(owner("web-0"))),
      released(release(owner("a"))),
    );
    const recreated = owner("web-0", { containerId: "ctr-web-0-b", podUid: "uid-web-0-b" });
    given(events)
      .when(allocate(recreated, [p]))
      .thenAddresses(["10.60.0.2"]);
    given(events)
      .when(allocate(recreated, [p], { sticky: false }))
      .thenAddresses(["10.60.0.1"]);
  });

  it("keeps a released address from a different owner until the cooldown ends (time from the events)", () => {
    const cooled = pool("10.61.0.0/29", { cooldown: 60 });
    const events = history(allocated(allocate(owner("a"), [cooled])), released(release(owner("a"))));
    given(events)
      .when(allocate(owner("b"), [cooled], { now: "2026-11-20T03:00:30.000Z" }))
      .thenAddresses(["10.61.0.2"]);
    given(events)
      .when(allocate(owner("b"), [cooled], { now: "2026-11-20T03:01:01.000Z" }))
      .thenAddresses(["10.61.0.1"]);
  });
});

describe("contention", () => {
  it("skips this writer's own in-flight claims", () => {
    given([])
      .when(allocate(owner("a"), [readmePool], { avoid: ["4:c0a802e1"] }))
      .thenAddresses(["192.168.2.226"]);
  });

  it("spreads among the lowest N free addresses once claims are being voided", () => {
    given([])
      .when(allocate(owner("a"), [readmePool], { spread: 4, random: [0.99] }))
      .thenAddresses(["192.168.2.232"]);
  });

  it("never changes the state it decides on", () => {
    const state = fold(history(allocated(allocate(owner("a"), [readmePool]))));
    const before = JSON.stringify([...state.domains.get("")!.held.keys()]);
    decideAllocation(allocate(owner("b"), [readmePool]), state);
    expect(JSON.stringify([...state.domains.get("")!.held.keys()])).toBe(before);
  });
});

describe("one request over overlapping pools", () => {
  it("never claims the same address twice", () => {
    given([])
      .when(allocate(owner("a"), [pool("10.70.0.0/24"), pool("10.70.0.0/28")]))
      .thenAddresses(["10.70.0.1", "10.70.0.2"]);
  });
});
