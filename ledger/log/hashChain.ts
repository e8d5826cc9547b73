import { createHash } from "node:crypto";
import { LedgerError } from "../core/errors.js";
import type { LedgerEvent, LoggedEvent } from "../core/events.js";
import type { NewEvent } from "./eventLog.js";

/** The `prev` of offset 0 in every partition. */
export const GENESIS_HASH = "0".repeat(64);

/**
 * Deterministic JSON: object keys sorted (by UTF-16 code units), no whitespace. It follows
 * `JSON.stringify` for what is dropped or nulled (undefined, functions, non-finite numbers), so
 * a value hashes the same before and after a JSON round trip through any log backend.
 *
 * @example canonicalJson({ b: 1, a: [true, "x"] }) // '{"a":[true,"x"],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  const text = serialize(value);
  if (text === undefined) throw new TypeError("canonicalJson: the value has no JSON form");
  return text;
}

// Hashing runs for every event of every verify and replay: one pass, string building, quoted
// keys cached (the envelope's keys repeat in every event).
const quotedKeys = new Map<string, string>();
function quoteKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (quotedKeys.size < 4_096) quotedKeys.set(key, quoted);
  }
  return quoted;
}

function serialize(value: unknown): string | undefined {
  const plain = hasToJson(value) ? value.toJSON() : value;
  if (plain === null) return "null";
  switch (typeof plain) {
    case "string":
      return JSON.stringify(plain);
    case "boolean":
      return plain ? "true" : "false";
    case "number":
      return Number.isFinite(plain) ? JSON.stringify(plain) : "null";
    case "bigint":
      throw new TypeError("canonicalJson: bigint has no JSON form; store it as a string");
    case "object":
      return Array.isArray(plain) ? serializeArray(plain) : serializeObject(plain as Record<string, unknown>);
    default:
      return undefined; // undefined, function, symbol: dropped as JSON.stringify drops them
  }
}

function serializeArray(items: readonly unknown[]): string {
  let text = "[";
  for (let index = 0; index < items.length; index += 1) {
    if (index > 0) text += ",";
    text += serialize(items[index]) ?? "null";
  }
  return `${text}]`;
}

function serializeObject(object: Record<string, unknown>): string {
  const keys = Object.keys(object);
  if (keys.length > 1) keys.sort();
  let text = "{";
  let first = true;
  for (const key of keys) {
    const member = serialize(object[key]);
    if (member === undefined) continue;
    if (!first) text += ",";
    text += `${quoteKey(key)}:${member}`;
    first = false;
  }
  return `${text}}`;
}

function hasToJson(value: unknown): value is { toJSON(): unknown } {
  return typeof value === "object" && value !== null && typeof (value as { toJSON?: unknown }).toJSON === "function";
}

/** sha256 hex of `prev ‖ canonicalJson(event without prev and hash)`. */
export function eventHash(prev: string, event: NewEvent | LedgerEvent): string {
  const { prev: _prev, hash: _hash, ...content } = event as LedgerEvent;
  return createHash("sha256").update(prev).update(canonicalJson(content)).digest("hex");
}

/** Links `event` after `prevHash`: the returned copy carries `prev` and `hash`. */
export function chainEvent(prevHash: string, event: NewEvent): LedgerEvent {
  return { ...event, prev: prevHash, hash: eventHash(prevHash, event) } as LedgerEvent;
}

/**
 * Chains a whole append batch after `prevHash`, refusing what no adapter may store: an empty
 * batch, or an event of another domain (it would land in the wrong partition and escape the
 * fold that checks its domain).
 *
 * @example const chained = chainBatch(head, "net-a", [allocated]);
 */
export function chainBatch(prevHash: string, domain: string, events: readonly NewEvent[]): LedgerEvent[] {
  if (events.length === 0) throw new LedgerError("INVALID_REQUEST", "append needs at least one event");
  const chained: LedgerEvent[] = [];
  let prev = prevHash;
  for (const [index, event] of events.entries()) {
    if (event.domain !== domain) {
      throw new LedgerError(
        "INVALID_REQUEST",
        `event ${index} (${event.id}) has domain "${event.domain}" but the batch is appended to domain "${domain}"; ` +
          "append each domain's events separately",
      );
    }
    const linked = chainEvent(prev, event);
    chained.push(linked);
    prev = linked.hash as string;
  }
  return chained;
}

/** What is wrong with the first broken link of a partition. */
export type ChainProblem = "wrong-partition" | "offset-gap" | "prev-mismatch" | "hash-mismatch";

export type ChainVerdict =
  | { readonly ok: true; readonly head: string }
  | {
      readonly ok: false;
      readonly partition: number;
      readonly offset: number;
      readonly problem: ChainProblem;
      readonly detail: string;
    };

/**
 * Checks that `events` (one partition, in read order) form an unbroken chain after `startPrev`.
 * It names the first broken link: an edited event (`hash-mismatch`), a deleted or swapped one
 * (`offset-gap`, `prev-mismatch`). Offsets must start at `startOffset`, which defaults to 0 from
 * genesis; from any other `startPrev` the first event's own offset is trusted. Verify a long
 * partition page by page by passing the previous page's `head` and next offset.
 *
 * @example
 *   const verdict = verifyPartitionChain(await log.read(0, 0, 10_000));
 *   if (!verdict.ok) console.error(`partition ${verdict.partition} offset ${verdict.offset}: ${verdict.detail}`);
 */
export function verifyPartitionChain(
  events: readonly LoggedEvent[],
  startPrev: string = GENESIS_HASH,
  startOffset: number | undefined = startPrev === GENESIS_HASH ? 0 : undefined,
): ChainVerdict {
  const first = events[0];
  if (first === undefined) return { ok: true, head: startPrev };
  let expectedOffset = startOffset ?? first.offset;
  let prev = startPrev;
  for (const { partition, offset, event } of events) {
    const broken = (problem: ChainProblem, detail: string): ChainVerdict => ({
      ok: false,
      partition,
      offset,
      problem,
      detail,
    });
    if (partition !== first.partition) {
      return broken("wrong-partition", `expected partition ${first.partition}, found ${partition}`);
    }
    if (offset !== expectedOffset) {
      return broken("offset-gap", `expected offset ${expectedOffset}, found ${offset}: an event is missing or moved`);
    }
    if (event.prev !== prev) {
      return broken("prev-mismatch", `prev is ${String(event.prev)} but the previous hash is ${prev}`);
    }
    if (event.hash !== eventHash(prev, event)) {
      return broken("hash-mismatch", `the content of event ${event.id} does not match its hash: it was edited`);
    }
    prev = event.hash;
    expectedOffset += 1;
  }
  return { ok: true, head: prev };
}
