import type { UnchainedEvent } from "./events.js";

/** An event as a decider builds it: everything but its id, which is stamped once the decision is made. */
export type UnstampedEvent = UnchainedEvent extends infer E
  ? E extends UnchainedEvent
    ? Omit<E, "id">
    : never
  : never;

/**
 * The id of the `index`-th event decided for `requestId`. A request id names one decision (one
 * attempt of an ADD, one DEL, one operator action) and must never be reused for another: the
 * fold treats an id it has seen as a duplicate. The same decision appended twice (a producer
 * retry) keeps its ids, so it stays a harmless duplicate.
 */
export function eventIdOf(requestId: string, index: number): string {
  return `${requestId}/${index}`;
}

/**
 * Stamps ids on a decision's events, in order: the decider needs no ids while deciding, and no
 * caller has to guess how many events a decision may produce.
 *
 * @example
 *   stampEventIds([released], "3f2a…") // → [{ ...released, id: "3f2a…/0" }]
 */
export function stampEventIds(events: readonly UnstampedEvent[], requestId: string): UnchainedEvent[] {
  return events.map((event, index) => ({ ...event, id: eventIdOf(requestId, index) }) as UnchainedEvent);
}
