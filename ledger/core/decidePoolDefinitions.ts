import type { Actor, UnchainedEvent } from "./events.js";
import { EVENT_SCHEMA_VERSION } from "./events.js";
import type { TargetPool } from "./commands.js";
import { stampEventIds, type UnstampedEvent } from "./eventIds.js";
import { sameDefinition } from "./poolDefinition.js";
import { poolKeyOf, type LedgerState } from "./state.js";

/** True when the state does not know the target's pool, or knows it with another definition. */
export function needsDefinition(target: TargetPool, state: LedgerState): boolean {
  const record = state.pools.get(poolKeyOf(target.domain, target.pool));
  return !record || !sameDefinition(record.definition, target.definition);
}

/**
 * The `PoolDefined` events an ADD needs before it may claim: one per target pool that the state
 * does not know, or knows with another definition. Appending these first and waiting for the fold
 * keeps every pool's definition ahead of its first claim in the log, whatever else is in flight.
 *
 * @example
 *   const events = decidePoolDefinitions({ now, actor, requestId: "r1", pools: [target] }, state);
 */
export function decidePoolDefinitions(
  command: { now: string; actor: Actor; requestId: string; pools: readonly TargetPool[] },
  state: LedgerState,
): UnchainedEvent[] {
  const events: UnstampedEvent[] = [];
  const seen = new Set<string>();
  for (const target of command.pools) {
    const key = poolKeyOf(target.domain, target.pool);
    if (seen.has(key) || !needsDefinition(target, state)) continue;
    seen.add(key);
    events.push({
      v: EVENT_SCHEMA_VERSION,
      type: "PoolDefined",
      domain: target.domain,
      pool: target.pool,
      at: command.now,
      actor: command.actor,
      data: target.definition,
    });
  }
  return stampEventIds(events, command.requestId);
}
