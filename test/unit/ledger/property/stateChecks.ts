import {
  evolve,
  initialState,
  type Holding,
  type LedgerState,
  type LoggedEvent,
  type Outcome,
} from "../../../../ledger/core/index.js";
import { holdingLine } from "./referenceModel.js";

/** Every holding of the state, one line each (the model's format), sorted. */
export function holdingsOf(state: LedgerState): string[] {
  return [...state.pools.values()]
    .flatMap((pool) => [...pool.byAttachment.values()].map((h) => holdingLine(h.domain, h.pool, h.ip, h.owner)))
    .sort();
}

const holdingText = (h: Holding) =>
  `${h.poolKey}|${h.ip}|${h.family}:${h.value}|${JSON.stringify(h.owner)}|${h.requested}|${h.since.partition}:${h.since.offset}:${h.since.at}:${h.since.effectiveMs}|${h.eventId}`;

/**
 * The whole state as text, for exact comparison of two folds. Top-level maps are sorted (their
 * order depends on how partitions interleave); everything inside a domain keeps its order,
 * which must not.
 */
export function dumpState(state: LedgerState, options: { withApplied: boolean } = { withApplied: true }): string {
  const pools = [...state.pools.values()]
    .sort((a, b) => (a.key < b.key ? -1 : 1))
    .map((pool) => ({
      key: pool.key,
      definition: pool.definition,
      byAttachment: [...pool.byAttachment].map(([key, holding]) => [key, holdingText(holding)]),
      byPodInterface: [...pool.byPodInterface].map(([key, holding]) => [key, holding.eventId]),
      lastAddress: [...pool.lastAddress].map(([key, value]) => [key, String(value)]),
    }));
  const domains = [...state.domains.values()]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((domain) => ({
      name: domain.name,
      held: [...domain.held].map(([key, holding]) => [key, holdingText(holding)]),
      reservations: domain.reservations.map(
        (r) => `${r.pool}|${r.target}|${r.family}|${r.interval.from}-${r.interval.to}|${r.note}`,
      ),
      cooling: [...domain.cooling],
      lastEffectiveMs: domain.lastEffectiveMs,
      recentIds: [...domain.recentIds],
    }));
  const applied = options.withApplied ? [...state.applied].sort(([a], [b]) => a - b) : [];
  return JSON.stringify({ pools, domains, applied });
}

/**
 * A fresh fold of the log, partition after partition (as `replayLog` does) rather than in the
 * interleaved order the live state saw. Returns the state and each event's outcome by position.
 */
export function replay(log: readonly LoggedEvent[]): { state: LedgerState; outcomes: Map<string, Outcome> } {
  const state = initialState();
  const outcomes = new Map<string, Outcome>();
  const ordered = [...log].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  for (const logged of ordered) outcomes.set(positionOf(logged), evolve(state, logged));
  return { state, outcomes };
}

export const positionOf = (logged: Pick<LoggedEvent, "partition" | "offset">): string =>
  `${logged.partition}:${logged.offset}`;

export const outcomeText = (outcome: Outcome): string => JSON.stringify(outcome);
