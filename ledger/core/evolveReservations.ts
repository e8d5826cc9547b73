import type { EventOf } from "./events.js";
import { accepted, voided, type Outcome } from "./outcome.js";
import { domainOf, poolKeyOf, type LedgerState } from "./state.js";
import { parseExclude } from "./window.js";

/** Operator reservations: addresses taken out of allocation in the whole domain. */
export function applyReserved(state: LedgerState, event: EventOf<"AddressReserved">, effectiveMs: number): Outcome {
  const pool = state.pools.get(poolKeyOf(event.domain, event.pool));
  if (!pool) return voided(effectiveMs, `unknown pool ${event.pool}`);
  let interval;
  try {
    interval = parseExclude(event.data.target, pool.window.family, "target");
  } catch (error) {
    return voided(effectiveMs, (error as Error).message);
  }
  const domain = domainOf(state, event.domain);
  if (domain.reservations.some((entry) => entry.pool === pool.name && entry.target === event.data.target)) {
    return voided(effectiveMs, `${event.data.target} is already reserved in pool ${pool.name}`);
  }
  domain.reservations.push({
    pool: pool.name,
    target: event.data.target,
    family: pool.window.family,
    interval,
    note: event.data.note,
  });
  return accepted(effectiveMs, [
    { kind: "reserved", domain: domain.name, pool: pool.name, target: event.data.target, note: event.data.note },
  ]);
}

export function applyReservationLifted(
  state: LedgerState,
  event: EventOf<"ReservationLifted">,
  effectiveMs: number,
): Outcome {
  const domain = domainOf(state, event.domain);
  const index = domain.reservations.findIndex(
    (entry) => entry.pool === event.pool && entry.target === event.data.target,
  );
  if (index < 0) return voided(effectiveMs, `${event.data.target} is not reserved in pool ${event.pool}`);
  domain.reservations.splice(index, 1);
  return accepted(effectiveMs, [
    { kind: "reservationLifted", domain: domain.name, pool: event.pool, target: event.data.target },
  ]);
}
