import type { EventOf, LoggedEvent } from "./events.js";
import { parseAddress } from "./ip.js";
import { accepted, voided, type Outcome } from "./outcome.js";
import { applyAllocated, applyAdopted, applyReleased } from "./evolveHoldings.js";
import { applyReservationLifted, applyReserved } from "./evolveReservations.js";
import { domainOf, poolKeyOf, type LedgerState, type Position } from "./state.js";
import { resolveWindow } from "./window.js";
import { sameDefinition } from "./poolDefinition.js";

/**
 * Applies one logged event to the state, in place, and says what it did. Total: an event that
 * conflicts with the state is voided with a reason, never thrown, because the log already holds
 * it. Deterministic: the same log gives the same state and outcomes everywhere.
 *
 * @example
 *   const state = initialState();
 *   for (const logged of events) evolve(state, logged).status; // "accepted" | "voided" | "duplicate"
 */
export function evolve(state: LedgerState, logged: LoggedEvent): Outcome {
  const { event } = logged;
  const domain = domainOf(state, event.domain);
  const writerMs = Date.parse(event.at);
  const effectiveMs = Math.max(domain.lastEffectiveMs, Number.isFinite(writerMs) ? writerMs : 0);
  domain.lastEffectiveMs = effectiveMs;
  state.applied.set(logged.partition, logged.offset + 1);

  if (domain.recentIds.has(event.id)) {
    return { status: "duplicate", reason: "event id already applied", effects: [], effectiveMs };
  }
  rememberId(domain.recentIds, state.recentIdLimit, event.id);
  const position: Position = { partition: logged.partition, offset: logged.offset, at: event.at, effectiveMs };

  switch (event.type) {
    case "PoolDefined":
      return applyPoolDefined(state, event, effectiveMs);
    case "AddressAllocated":
      return applyAllocated(state, event, position);
    case "AddressReleased":
      return applyReleased(state, event, position);
    case "AllocationAdopted":
      return applyAdopted(state, event, position);
    case "AddressReserved":
      return applyReserved(state, event, effectiveMs);
    case "ReservationLifted":
      return applyReservationLifted(state, event, effectiveMs);
    case "CheckpointSigned":
      return accepted(effectiveMs, []); // an attestation about the log, not a change to the pools
    default: {
      const unknown: never = event;
      return voided(effectiveMs, `unknown event type ${(unknown as { type: string }).type}`);
    }
  }
}

function rememberId(recentIds: Set<string>, limit: number, id: string): void {
  recentIds.add(id);
  if (recentIds.size > limit) {
    // Sets iterate in insertion order, so the first entry is the oldest id.
    recentIds.delete(recentIds.values().next().value as string);
  }
}

function applyPoolDefined(state: LedgerState, event: EventOf<"PoolDefined">, effectiveMs: number): Outcome {
  const definition = event.data;
  let window;
  try {
    window = resolveWindow({
      range: definition.range,
      rangeStart: definition.start,
      rangeEnd: definition.end,
      exclude: definition.exclude,
      key: "PoolDefined",
    });
  } catch (error) {
    return voided(effectiveMs, `invalid definition: ${(error as Error).message}`);
  }
  if (definition.gateway !== undefined && definition.gateway !== "" && !parseAddress(definition.gateway)) {
    return voided(effectiveMs, `invalid definition: gateway ${definition.gateway} is not an IP address`);
  }
  const key = poolKeyOf(event.domain, event.pool);
  const existing = state.pools.get(key);
  if (existing && sameDefinition(existing.definition, definition)) {
    return voided(effectiveMs, "definition unchanged");
  }
  if (existing) {
    existing.definition = definition;
    existing.window = window;
  } else {
    state.pools.set(key, {
      key,
      name: event.pool,
      domain: event.domain,
      definition,
      window,
      byAttachment: new Map(),
      byPodInterface: new Map(),
      lastAddress: new Map(),
    });
  }
  return accepted(effectiveMs, [{ kind: "poolDefined", domain: event.domain, pool: event.pool, definition }]);
}
