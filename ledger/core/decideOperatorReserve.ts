import type { LiftReservation, ReserveTarget } from "./decideOperatorCommands.js";
import {
  describeHolding,
  holdersIn,
  operatorEnvelope,
  parseOperatorTarget,
  poolForTarget,
  poolNamed,
  type OperatorDecision,
  type OperatorTarget,
} from "./decideOperatorTargets.js";
import type { UnstampedEvent } from "./eventIds.js";
import { LedgerError } from "./errors.js";
import type { EventOf } from "./events.js";
import { cidrInterval, parseCidr } from "./ip.js";
import { sameDefinition } from "./poolDefinition.js";
import { poolKeyOf, type LedgerState, type Reservation } from "./state.js";

const sameInterval = (reservation: Reservation, target: OperatorTarget): boolean =>
  reservation.family === target.family &&
  reservation.interval.from === target.interval.from &&
  reservation.interval.to === target.interval.to;

const overlaps = (reservation: Reservation, target: OperatorTarget): boolean =>
  reservation.family === target.family &&
  reservation.interval.from <= target.interval.to &&
  target.interval.from <= reservation.interval.to;

/**
 * `ipledger reserve <ip|cidr|a-b>`: takes addresses out of allocation in the pool's whole domain.
 * Refuses (ADDRESS_IN_USE, naming the holders) when some of them are held, unless `force`: then
 * the holders keep them until they release, and the fold never hands them out again while the
 * reservation lasts. Reserving exactly what is already reserved appends nothing.
 *
 * @example decideReserve({ kind: "ReserveTarget", target: "10.0.0.0/30", force: false, reason: "router", ... }, state)
 */
export function decideReserve(command: ReserveTarget, state: LedgerState): OperatorDecision<UnstampedEvent> {
  const target = parseOperatorTarget(command.target);
  const defined = command.define?.length ? definitionFor(command, state, target) : undefined;
  const pool = defined?.pool ?? poolForTarget(state, target, command.pool);
  const domain = state.domains.get(pool.domain);
  const existing = domain?.reservations.find((entry) => entry.pool === pool.name && sameInterval(entry, target));
  if (existing)
    return {
      events: [],
      notes: [`${existing.target} is already reserved in pool ${pool.name} (${existing.note}); nothing to append`],
    };
  const held = holdersIn(domain, target);
  if (held.length > 0 && !command.force) {
    const list =
      held.slice(0, 5).map(describeHolding).join(", ") + (held.length > 5 ? ` and ${held.length - 5} more` : "");
    throw new LedgerError(
      "ADDRESS_IN_USE",
      `${target.text} includes ${held.length} held address(es): ${list}; release them first, or pass --force to reserve anyway (they stay with their holders until released, and are never handed out again while reserved)`,
      { key: "target", details: { held: held.map((holding) => holding.ip) } },
    );
  }
  const event = {
    ...operatorEnvelope(pool, command),
    type: "AddressReserved" as const,
    data: { target: target.text, note: command.reason.trim() },
  };
  const notes = held.map(
    (holding) =>
      `${describeHolding(holding)} keeps it until it is released; it is not reallocated after that while reserved`,
  );
  if (defined?.event)
    notes.unshift(`defines pool ${pool.name} (${defined.event.data.range}) first: no pod has used it yet`);
  return { events: defined?.event ? [defined.event, event] : [event], notes };
}

/**
 * The pool of `command.define` that contains the target. When the log does not know it yet, a
 * `PoolDefined` goes first, so the reservation is in force before the first ADD. A pool the log
 * already defines differently is refused rather than redefined behind the pods' backs.
 */
function definitionFor(
  command: ReserveTarget,
  state: LedgerState,
  target: OperatorTarget,
): { pool: { domain: string; name: string }; event?: Omit<EventOf<"PoolDefined">, "id" | "prev" | "hash"> } {
  const given = (command.define ?? []).filter((entry) => command.pool === undefined || entry.pool === command.pool);
  const containing = given.filter((entry) => {
    const cidr = parseCidr(entry.definition.range);
    const whole = cidr && cidrInterval(cidr);
    return (
      cidr !== undefined &&
      whole !== undefined &&
      cidr.family === target.family &&
      target.interval.from >= whole.from &&
      target.interval.to <= whole.to
    );
  });
  const chosen = containing[0];
  if (!chosen) {
    const ranges = given.map((entry) => `${entry.pool} (${entry.definition.range})`).join(", ") || "none";
    throw new LedgerError(
      "ADDRESS_OUTSIDE_RANGE",
      `${target.text} is not inside the pool definition given: ${ranges}`,
      { key: "target" },
    );
  }
  const pool = { domain: chosen.domain, name: chosen.pool };
  const record = state.pools.get(poolKeyOf(chosen.domain, chosen.pool));
  if (record && sameDefinition(record.definition, chosen.definition)) return { pool };
  if (record) {
    const now = `${record.definition.range} ${record.definition.start}-${record.definition.end}, exclude [${record.definition.exclude.join(", ")}]`;
    throw new LedgerError(
      "INVALID_REQUEST",
      `pool ${chosen.pool} is already defined differently (${now}); reserve without a definition, or give the one its pods use`,
      { key: "definition" },
    );
  }
  return {
    pool,
    event: { ...operatorEnvelope(pool, command), type: "PoolDefined" as const, data: chosen.definition },
  };
}

/**
 * `ipledger unreserve <ip|cidr|a-b>`: lifts the reservation with exactly that extent (however it
 * was written). A part of a larger reservation cannot be lifted alone: the error names it.
 */
export function decideLiftReservation(command: LiftReservation, state: LedgerState): OperatorDecision<UnstampedEvent> {
  const target = parseOperatorTarget(command.target);
  const scope = command.pool === undefined ? undefined : poolNamed(state, command.pool);
  const domains = scope ? [state.domains.get(scope.domain)] : [...state.domains.values()];
  const reservations = domains.flatMap((domain) =>
    domain ? domain.reservations.map((entry) => ({ entry, domain: domain.name })) : [],
  );
  const inScope = reservations.filter(({ entry }) => !scope || entry.pool === scope.name);
  const matches = inScope.filter(({ entry }) => sameInterval(entry, target));
  if (matches.length === 0) {
    const around = inScope
      .filter(({ entry }) => overlaps(entry, target))
      .map(({ entry }) => `${entry.target} in pool ${entry.pool} (${entry.note})`);
    const hint = around.length > 0 ? `; it overlaps ${around.join(", ")}: unreserve that as a whole` : "";
    throw new LedgerError(
      "NOT_FOUND",
      `${target.text} is not reserved${scope ? ` in pool ${scope.name}` : ""}${hint}`,
      { key: "target" },
    );
  }
  if (matches.length > 1) {
    throw new LedgerError(
      "INVALID_REQUEST",
      `${target.text} is reserved in several pools (${matches.map(({ entry }) => entry.pool).join(", ")}); pass --pool to say which`,
      { key: "pool" },
    );
  }
  const { entry, domain } = matches[0] as (typeof matches)[number];
  const event = {
    ...operatorEnvelope({ domain, name: entry.pool }, command),
    type: "ReservationLifted" as const,
    data: { target: entry.target, note: command.reason.trim() },
  };
  return { events: [event], notes: [`lifts ${entry.target} in pool ${entry.pool} (reserved for: ${entry.note})`] };
}
