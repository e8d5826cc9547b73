import { describe, expect, it } from "vitest";
import {
  EVENT_SCHEMA_VERSION,
  formatAddress,
  parseAddress,
  unavailability,
  type UnchainedEvent,
} from "../../../../ledger/core/index.js";
import { actor, allocate, fold, given, NOW, owner, pool } from "../../../support/deciderSpec.js";

const p = pool("10.42.0.0/24", { exclude: ["10.42.0.9"] });

function reserved(ip: string, note: string): UnchainedEvent {
  return {
    v: EVENT_SCHEMA_VERSION,
    id: `reserve-${ip}`,
    type: "AddressReserved",
    domain: p.domain,
    pool: p.pool,
    at: NOW,
    actor,
    data: { target: ip, note },
  } as UnchainedEvent;
}

const defined: UnchainedEvent = {
  v: EVENT_SCHEMA_VERSION,
  id: "define",
  type: "PoolDefined",
  domain: p.domain,
  pool: p.pool,
  at: NOW,
  actor,
  data: p.definition,
};

describe("availability: the rule that refuses an address names its code", () => {
  it("given a reservation whose note says 'excluded', when that address is requested, then the reservation's code (ADDRESS_IN_USE), not ADDRESS_EXCLUDED", () => {
    given([defined, reserved("10.42.0.7", "excluded from DHCP by the network team")])
      .when(allocate(owner("a"), [p], { requested: ["10.42.0.7"] }))
      .thenFails("ADDRESS_IN_USE", /reserved \(10\.42\.0\.7: excluded from DHCP/);
  });

  it("given an excluded address, when it is requested, then ADDRESS_EXCLUDED", () => {
    given([defined])
      .when(allocate(owner("a"), [p], { requested: ["10.42.0.9"] }))
      .thenFails("ADDRESS_EXCLUDED", /excluded in pool/);
  });

  it.each([
    ["10.42.0.9", "excluded", "ADDRESS_EXCLUDED"],
    ["10.42.0.7", "reserved", "ADDRESS_IN_USE"],
    ["10.42.1.1", "outside", "ADDRESS_OUTSIDE_RANGE"],
    ["fd00::1", "family", "ADDRESS_OUTSIDE_RANGE"],
    ["10.42.0.20", undefined, undefined],
  ])("given the fold, %s is refused by rule %s with code %s", (ip, rule, code) => {
    const state = fold([defined, reserved("10.42.0.7", "excluded by hand")]);
    const domain = state.domains.get(p.domain)!;
    const record = state.pools.values().next().value!;
    const address = parseAddress(ip)!;
    const refusal = unavailability(domain, record, address, owner("a"), true, Date.parse(NOW));
    expect(refusal?.rule).toBe(rule);
    expect(refusal?.code).toBe(code);
    if (refusal) expect(refusal.message).toContain(formatAddress(address));
  });
});
