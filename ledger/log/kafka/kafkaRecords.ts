import { LedgerError } from "../../core/errors.js";
import type { LedgerEvent, LoggedEvent } from "../../core/events.js";
import type { NewEvent } from "../eventLog.js";
import { eventHash } from "../hashChain.js";

/** A Kafka message as the adapter writes it. */
export interface EventMessage {
  readonly key: string;
  readonly value: string;
  readonly partition: number;
}

/**
 * The record of one event: key = the allocation domain, value = the event's JSON *without*
 * `prev` and `hash`. Writers cannot know the chain (see `ChainWalker`), so they store none.
 */
export function encodeEvent(partition: number, event: NewEvent): EventMessage {
  const { prev: _prev, hash: _hash, ...content } = event as LedgerEvent;
  return { key: event.domain, value: JSON.stringify(content), partition };
}

/** Where a record sits, for messages. */
export interface RecordPlace {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/**
 * Parses a record's value back into the unchained event, refusing what no ipledger writer
 * produces: an empty (tombstone) record, invalid JSON, no string `domain`, or a domain that
 * belongs in another partition (the topic's partition count was changed, or a foreign producer
 * wrote it).
 */
export function decodeEvent(
  value: Buffer | null,
  place: RecordPlace,
  partitionOf: (domain: string) => number,
): NewEvent {
  const where = `record ${place.partition}/${place.offset} of Kafka topic ${place.topic}`;
  let parsed: unknown;
  try {
    if (value === null) throw new Error("the record has no value (a tombstone)");
    parsed = JSON.parse(value.toString("utf8"));
  } catch (error) {
    throw integrity(
      `${where} is not an ipledger event (${(error as Error).message}); something other than ipledger wrote to the topic`,
      error,
    );
  }
  const domain = (parsed as { domain?: unknown } | null)?.domain;
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed) || typeof domain !== "string") {
    throw integrity(`${where} is not an ipledger event (no domain); something other than ipledger wrote to the topic`);
  }
  const home = partitionOf(domain);
  if (home !== place.partition) {
    throw integrity(
      `${where} is of domain ${JSON.stringify(domain)}, which belongs in partition ${home}: the topic's partition count was ` +
        "changed after events were written (never add partitions to an ipledger topic), or another producer wrote it",
    );
  }
  const { prev: _prev, hash: _hash, ...content } = parsed as LedgerEvent;
  return content as NewEvent;
}

/** Links a decoded record after `prev`: the logged event carries `prev` and its `hash`. */
export function chainRecord(prev: string, event: NewEvent, place: RecordPlace): LoggedEvent {
  const hash = eventHash(prev, event);
  return { partition: place.partition, offset: place.offset, event: { ...event, prev, hash } as LedgerEvent };
}

export function integrity(message: string, cause?: unknown): LedgerError {
  return new LedgerError("INTEGRITY_VIOLATION", message, cause === undefined ? {} : { cause });
}
