import { describe, expect, it } from "vitest";
import {
  decideAllocation,
  decideOperator,
  evolve,
  initialState,
  LedgerError,
  parseOperatorTarget,
  type LedgerState,
  type OperatorCommand,
  type UnchainedEvent,
} from "../../../../ledger/core/index.js";
import {
  allocate,
  allocated,
  fold,
  history,
  requestId,
  NOW,
  owner,
  pool,
  release,
  released,
} from "../../../support/deciderSpec.js";

const p = pool("10.0.0.0/29");
const other = pool("10.9.0.0/29", { networkName: "blue" });
const operator = { node: "node-a", component: "cli", user: "alice@bastion" };

type Without<K extends OperatorCommand["kind"]> = Omit<
  Extract<OperatorCommand, { kind: K }>,
  "now" | "actor" | "requestId" | "reason"
>;
function command<K extends OperatorCommand["kind"]>(
  kind: K,
  fields: Omit<Without<K>, "kind">,
  reason = "because",
): OperatorCommand {
  return { kind, now: NOW, actor: operator, requestId: requestId(), reason, ...fields } as unknown as OperatorCommand;
}

/** a (node-a) holds .1, b (node-b) holds .2, c (node-a) holds .3 in p; d holds 10.9.0.1 in `other`. */
function ledger(): { state: LedgerState; events: UnchainedEvent[] } {
  const events = history(
    allocated(allocate(owner("a"), [p])),
    allocated(allocate(owner("b", { node: "node-b" }), [p])),
    allocated(allocate(owner("c"), [p])),
    allocated(allocate(owner("d"), [other])),
  );
  return { state: fold(events), events };
}

function refusal(run: () => unknown): LedgerError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(LedgerError);
    return error as LedgerError;
  }
  throw new Error("expected a refusal");
}

function applyAll(state: LedgerState, events: readonly UnchainedEvent[]): string[] {
  return events.map(
    (event) => evolve(state, { partition: 0, offset: state.applied.get(0) ?? 0, event: event as never }).status,
  );
}

describe("operator decisions", () => {
  it("releases one address with reason admin, the operator's text as note and their identity", () => {
    const { state } = ledger();
    const { events } = decideOperator(command("AdminRelease", { ip: "10.0.0.2" }, "pod stuck on a dead node"), state);
    expect(events).toEqual([
      expect.objectContaining({
        type: "AddressReleased",
        pool: p.pool,
        actor: operator,
        data: {
          ip: "10.0.0.2",
          owner: owner("b", { node: "node-b" }),
          reason: "admin",
          note: "pod stuck on a dead node",
        },
      }),
    ]);
    expect(applyAll(state, events)).toEqual(["accepted"]);
  });

  it("refuses to release an address nobody holds, or a pool that does not exist", () => {
    const { state } = ledger();
    expect(refusal(() => decideOperator(command("AdminRelease", { ip: "10.0.0.6" }), state)).code).toBe("NOT_FOUND");
    const unknown = refusal(() => decideOperator(command("AdminRelease", { ip: "10.0.0.1", pool: "nope" }), state));
    expect(unknown.code).toBe("UNKNOWN_POOL");
    expect(unknown.message).toMatch(/known pools: .*10\.0\.0\.0-29/);
  });

  it("refuses to reserve a held address without force, naming the holder", () => {
    const { state } = ledger();
    const error = refusal(() =>
      decideOperator(command("ReserveTarget", { target: "10.0.0.0/30", force: false }), state),
    );
    expect(error.code).toBe("ADDRESS_IN_USE");
    expect(error.message).toMatch(/10\.0\.0\.1 \(held by pod default\/a .*--force/);
  });

  it("with force, reserves a held address for after its release: the holder keeps it, nobody gets it again", () => {
    const { state } = ledger();
    const { events, notes } = decideOperator(
      command("ReserveTarget", { target: "10.0.0.1", force: true }, "router"),
      state,
    );
    expect(events).toEqual([
      expect.objectContaining({ type: "AddressReserved", data: { target: "10.0.0.1", note: "router" } }),
    ]);
    expect(notes[0]).toMatch(/keeps it until it is released/);
    expect(applyAll(state, events)).toEqual(["accepted"]);
    expect(state.domains.get("")?.held.get("4:a000001")?.owner.podName).toBe("a");
    applyAll(state, released(release(owner("a")))(state));
    // The next pod gets the lowest address that is neither held nor reserved: .4, not .1.
    expect(decideAllocation(allocate(owner("e"), [p]), state).pools[0]?.ip).toBe("10.0.0.4");
    // Sticky does not bring it back to a, either.
    expect(decideAllocation(allocate(owner("a", { containerId: "ctr-a2" }), [p]), state).pools[0]?.ip).toBe("10.0.0.4");
  });

  it("reserves a free range, writes its canonical form, and appends nothing when it is already reserved", () => {
    const { state } = ledger();
    const first = decideOperator(command("ReserveTarget", { target: "10.0.0.5-10.0.0.6", force: false }), state);
    expect(first.events[0]).toMatchObject({ pool: p.pool, data: { target: "10.0.0.5-10.0.0.6" } });
    applyAll(state, first.events);
    const again = decideOperator(command("ReserveTarget", { target: " 10.0.0.5-10.0.0.6 ", force: false }), state);
    expect(again.events).toEqual([]);
    expect(again.notes[0]).toMatch(/already reserved/);
  });

  it("given a definition of a pool no pod used, reserve defines it first; ADDs then skip the address", () => {
    const { state } = ledger();
    const dmz = pool("10.50.0.0/29", { networkName: "dmz" });
    const { events, notes } = decideOperator(
      command("ReserveTarget", { target: "10.50.0.1", force: false, define: [dmz] }, "firewall"),
      state,
    );
    expect(events.map((event) => [event.type, event.pool, event.domain])).toEqual([
      ["PoolDefined", dmz.pool, "dmz"],
      ["AddressReserved", dmz.pool, "dmz"],
    ]);
    expect(events[0]?.data).toEqual(dmz.definition);
    expect(notes[0]).toMatch(/defines pool dmz-10\.50\.0\.0-29 .* first/);
    expect(applyAll(state, events)).toEqual(["accepted", "accepted"]);
    expect(decideAllocation(allocate(owner("first"), [dmz]), state).pools[0]?.ip).toBe("10.50.0.2");
    // The same definition again defines nothing; the reservation is already there.
    expect(
      decideOperator(command("ReserveTarget", { target: "10.50.0.1", force: false, define: [dmz] }), state).events,
    ).toEqual([]);
  });

  it("refuses a definition that differs from the log's, or one that does not contain the target", () => {
    const { state } = ledger();
    const changed = pool("10.0.0.0/29", { exclude: ["10.0.0.6"] });
    expect(
      refusal(() =>
        decideOperator(command("ReserveTarget", { target: "10.0.0.5", force: false, define: [changed] }), state),
      ),
    ).toMatchObject({
      code: "INVALID_REQUEST",
      message: expect.stringMatching(/pool 10\.0\.0\.0-29 is already defined differently/),
    });
    expect(
      refusal(() => decideOperator(command("ReserveTarget", { target: "10.60.0.1", force: false, define: [p] }), state))
        .code,
    ).toBe("ADDRESS_OUTSIDE_RANGE");
  });

  it("refuses a target outside the named pool, or one in no pool", () => {
    const { state } = ledger();
    expect(
      refusal(() => decideOperator(command("ReserveTarget", { target: "10.9.0.5", pool: p.pool, force: false }), state))
        .code,
    ).toBe("ADDRESS_OUTSIDE_RANGE");
    expect(
      refusal(() => decideOperator(command("ReserveTarget", { target: "192.168.0.1", force: false }), state)).code,
    ).toBe("UNKNOWN_POOL");
  });

  it("lifts a reservation however it is written, and names the larger one a part belongs to", () => {
    const { state } = ledger();
    applyAll(state, decideOperator(command("ReserveTarget", { target: "10.0.0.4/30", force: true }), state).events);
    const inside = refusal(() => decideOperator(command("LiftReservation", { target: "10.0.0.5" }), state));
    expect(inside.code).toBe("NOT_FOUND");
    expect(inside.message).toMatch(/overlaps 10\.0\.0\.4\/30/);
    const { events } = decideOperator(command("LiftReservation", { target: "10.0.0.4-10.0.0.7" }, "done"), state);
    expect(events).toEqual([
      expect.objectContaining({ type: "ReservationLifted", data: { target: "10.0.0.4/30", note: "done" } }),
    ]);
    expect(applyAll(state, events)).toEqual(["accepted"]);
    expect(state.domains.get("")?.reservations).toEqual([]);
  });

  it("resets a pool: one admin-reset release per address, lowest first, or only those shown", () => {
    const { state } = ledger();
    const all = decideOperator(command("ResetPool", { pool: p.pool }), state).events;
    expect(
      all.map((event) => [
        event.type,
        (event.data as { ip: string; reason: string }).ip,
        (event.data as { reason: string }).reason,
      ]),
    ).toEqual([
      ["AddressReleased", "10.0.0.1", "admin-reset"],
      ["AddressReleased", "10.0.0.2", "admin-reset"],
      ["AddressReleased", "10.0.0.3", "admin-reset"],
    ]);
    const shown = decideOperator(
      command("ResetPool", { pool: p.pool, onlyIps: ["10.0.0.3", "10.0.0.6"] }),
      state,
    ).events;
    expect(shown.map((event) => (event.data as { ip: string }).ip)).toEqual(["10.0.0.3"]);
    expect(applyAll(state, all)).toEqual(["accepted", "accepted", "accepted"]);
    expect(decideOperator(command("ResetPool", { pool: p.pool }), state)).toEqual({
      events: [],
      notes: [expect.stringMatching(/holds no address/)],
    });
  });

  it("drains a node: every allocation made on it, in every pool, and nothing else", () => {
    const { state } = ledger();
    const { events } = decideOperator(command("DrainNode", { node: "node-a" }, "node lost"), state);
    expect(events.map((event) => [event.pool, (event.data as { ip: string }).ip])).toEqual([
      [p.pool, "10.0.0.1"],
      [p.pool, "10.0.0.3"],
      [other.pool, "10.9.0.1"],
    ]);
    expect(
      events.every(
        (event) => event.type === "AddressReleased" && event.data.reason === "admin" && event.data.note === "node lost",
      ),
    ).toBe(true);
    expect(decideOperator(command("DrainNode", { node: "node-z" }), state).notes[0]).toMatch(
      /nodes holding addresses: node-a, node-b/,
    );
  });

  it("releases that lost a race are voided by the fold, never applied twice", () => {
    const { state } = ledger();
    const mine = decideOperator(command("AdminRelease", { ip: "10.0.0.1" }), state).events;
    const theirs = released(release(owner("a")))(state); // a CNI DEL decided on the same view
    expect(applyAll(state, [...theirs, ...mine])).toEqual(["accepted", "voided"]);
  });
});

describe("operator targets", () => {
  it.each([
    ["10.0.0.5", "10.0.0.5", 4],
    ["10.0.0.7/29", "10.0.0.0/29", 4],
    ["10.0.0.10-10.0.0.20", "10.0.0.10-10.0.0.20", 4],
    ["fd00::1-fd00::0:9", "fd00::1-fd00::9", 6],
    ["FD00:0::/120", "fd00::/120", 6],
  ])("%s reads as %s", (text, canonical, family) => {
    expect(parseOperatorTarget(text)).toMatchObject({ text: canonical, family });
  });

  it.each(["10.0.0.20-10.0.0.10", "10.0.0.1-fd00::1", "nope", "10.0.0.0/33", "1-2-3"])("refuses %s", (text) => {
    expect(() => parseOperatorTarget(text)).toThrow(/is not an address, a CIDR or a range/);
  });

  it("needs a pool to be defined before it can be reserved in", () => {
    expect(() =>
      decideOperator(command("ReserveTarget", { target: "10.0.0.1", force: false }), initialState()),
    ).toThrow(/no pool contains 10\.0\.0\.1/);
  });
});
