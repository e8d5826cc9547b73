import { randomUUID } from "node:crypto";
import { expect, vi } from "vitest";
import { ledgerEventSchema, type EventOf, type LoggedEvent, type Owner } from "../../../../ledger/core/events.js";
import type { EndOffsets, EventLog, Tail } from "../../../../ledger/log/eventLog.js";

/** Builders of valid events (checked against `ledgerEventSchema`) for the log tests. */

type Unchained<T> = Omit<T, "prev" | "hash">;

const actor = { node: "node-a", component: "test" };

export function owner(overrides: Partial<Owner> = {}): Owner {
  return {
    containerId: `c-${randomUUID().slice(0, 8)}`,
    ifName: "net1",
    podNamespace: "default",
    podName: "pod-a",
    podUid: randomUUID(),
    node: "node-a",
    ...overrides,
  };
}

export function poolDefined(domain = "", overrides: Partial<Unchained<EventOf<"PoolDefined">>> = {}) {
  return valid({
    v: 1,
    id: randomUUID(),
    type: "PoolDefined",
    domain,
    pool: "10.1.0.0/24",
    at: "2025-01-07T14:05:00.000Z",
    actor,
    data: {
      range: "10.1.0.0/24",
      start: "10.1.0.1",
      end: "10.1.0.254",
      exclude: ["10.1.0.1/32"],
      networkName: domain,
      reuseCooldownSeconds: 0,
    },
    ...overrides,
  } satisfies Unchained<EventOf<"PoolDefined">>);
}

export function addressAllocated(
  domain = "",
  ip = "10.1.0.2",
  overrides: Partial<Unchained<EventOf<"AddressAllocated">>> = {},
) {
  return valid({
    v: 1,
    id: randomUUID(),
    type: "AddressAllocated",
    domain,
    pool: "10.1.0.0/24",
    at: "2025-01-07T14:05:01.000Z",
    actor,
    data: { ip, owner: owner(), requested: false, basis: { "0": 0 } },
    ...overrides,
  } satisfies Unchained<EventOf<"AddressAllocated">>);
}

/** `count` allocations of consecutive addresses, for batches. */
export function allocations(domain: string, count: number, firstHost = 2) {
  return Array.from({ length: count }, (_, index) => addressAllocated(domain, `10.1.0.${firstHost + index}`));
}

function valid<T>(event: T): T {
  ledgerEventSchema.parse(event); // a builder that drifts from the schema fails loudly here
  return event;
}

/** A tail that records what it is handed, with a way to wait for `count` events. */
export function recordTail(log: EventLog, from: EndOffsets = new Map()) {
  const seen: LoggedEvent[] = [];
  const batches: number[] = [];
  const tail: Tail = log.tail(from, (batch) => {
    batches.push(batch.length);
    seen.push(...batch);
  });
  const until = (count: number, timeout = 5000) =>
    vi.waitFor(() => expect(seen.length).toBeGreaterThanOrEqual(count), { timeout, interval: 2 });
  return { seen, batches, tail, until };
}

/** The offsets seen for `partition`, in delivery order. */
export function offsetsOf(seen: readonly LoggedEvent[], partition: number): number[] {
  return seen.filter((entry) => entry.partition === partition).map((entry) => entry.offset);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
