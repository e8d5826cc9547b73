import { poolKeyOf } from "../../ledger/core/index.js";
import type { ProjectedEvent } from "../sqlite/sqliteProjection.js";

/** Where the last event that changed a pool sits in the log. */
export interface PoolPosition {
  readonly partition: number;
  readonly offset: number;
}

/** Pool key (`poolKeyOf`) → the last event that changed that pool. */
export type PoolPositions = ReadonlyMap<string, PoolPosition>;

/**
 * Folds applied events into `positions` (in place) and returns the keys of the pools they
 * changed. An event changes its pool when the fold accepted it with an effect; voided events and
 * duplicates change nothing, so they move no IPPool and cause no write.
 *
 * @example
 *   runner.onApplied((batch) => applier.changed(namesOf(recordPoolPositions(positions, batch))));
 */
export function recordPoolPositions(
  positions: Map<string, PoolPosition>,
  applied: readonly ProjectedEvent[],
): Set<string> {
  const changed = new Set<string>();
  for (const { logged, outcome } of applied) {
    if (outcome.status !== "accepted" || outcome.effects.length === 0) continue;
    const key = poolKeyOf(logged.event.domain, logged.event.pool);
    positions.set(key, { partition: logged.partition, offset: logged.offset });
    changed.add(key);
  }
  return changed;
}
