import type { UnchainedEvent } from "./events.js";

/** An event as a decider builds it: everything but its id, which is stamped once the decision is made. */
export type UnstampedEvent = UnchainedEvent extends infer E
  ? E extends UnchainedEvent
    ? Omit<E, "id">
    : never
  : never;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NODE_BITS = 48n;

/**
 * The id of the `index`-th event decided for `requestId`. A request id names one decision (one
 * attempt of an ADD, one DEL, one operator action) and must never be reused for another: the
 * fold treats an id it has seen as a duplicate. The same decision appended twice (a producer
 * retry) keeps its ids, so it stays a harmless duplicate.
 *
 * Event ids are UUIDs (DESIGN.md): for a UUID request id, event `index` is the request id with
 * `index` added to its last 48 bits, so the first event's id is the request id itself. Request ids
 * are random (version 4), so two decisions' ids meet only with negligible chance. Any other request
 * id (tests name theirs) gives `${requestId}/${index}`.
 *
 * @example eventIdOf("3f2a9c1e-0000-4000-8000-00000000000f", 1) // "3f2a9c1e-0000-4000-8000-000000000010"
 */
export function eventIdOf(requestId: string, index: number): string {
  if (!UUID.test(requestId)) return `${requestId}/${index}`;
  const last = (BigInt(`0x${requestId.slice(24)}`) + BigInt(index)) % (1n << NODE_BITS);
  return `${requestId.slice(0, 24)}${last.toString(16).padStart(12, "0")}`;
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
