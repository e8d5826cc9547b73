import { expect } from "vitest";
import {
  decideAllocation,
  decideRelease,
  definePool,
  evolve,
  initialState,
  LedgerError,
  type AllocateAddresses,
  type LedgerState,
  type Owner,
  type ReleaseAttachment,
  type TargetPool,
  type UnchainedEvent,
} from "../../ledger/core/index.js";

/** Builders and a given/when/then runner for decider tests. */

export const NOW = "2026-11-20T03:00:00.000Z";
export const actor = { node: "node-a", component: "agent" };

export function pool(
  range: string,
  options: {
    start?: string;
    end?: string;
    exclude?: string[];
    networkName?: string;
    cooldown?: number;
    overlapping?: boolean;
    gateway?: string;
  } = {},
): TargetPool {
  return definePool(
    { range, rangeStart: options.start, rangeEnd: options.end, exclude: options.exclude ?? [], key: "ipam" },
    {
      networkName: options.networkName ?? "",
      reuseCooldownSeconds: options.cooldown ?? 0,
      overlappingRanges: options.overlapping ?? true,
      gateway: options.gateway,
    },
  );
}

export function owner(name: string, overrides: Partial<Owner> = {}): Owner {
  return {
    containerId: `ctr-${name}`,
    ifName: "net1",
    podNamespace: "default",
    podName: name,
    podUid: `uid-${name}`,
    node: "node-a",
    ...overrides,
  };
}

let counter = 0;
/** A fresh request id: each decision needs its own (the events are stamped `${requestId}/0`, …). */
export const requestId = (): string => `req-${++counter}`;

export function allocate(
  who: Owner,
  pools: TargetPool[],
  overrides: Partial<AllocateAddresses> = {},
): AllocateAddresses {
  return {
    kind: "AllocateAddresses",
    now: NOW,
    actor,
    requestId: requestId(),
    owner: who,
    pools,
    requested: [],
    sticky: true,
    spread: 1,
    random: pools.map(() => 0),
    avoid: [],
    ...overrides,
  };
}

export function release(who: Owner, overrides: Partial<ReleaseAttachment> = {}): ReleaseAttachment {
  return {
    kind: "ReleaseAttachment",
    now: NOW,
    actor,
    requestId: requestId(),
    containerId: who.containerId,
    ifName: who.ifName,
    reason: "cni-del",
    ...overrides,
  };
}

/** Folds events into a fresh state at consecutive offsets of partition 0 (one per domain is enough here). */
export function fold(events: readonly UnchainedEvent[], state: LedgerState = initialState()): LedgerState {
  for (const event of events) {
    const offset = state.applied.get(0) ?? 0;
    evolve(state, { partition: 0, offset, event: event as never });
  }
  return state;
}

/** Runs commands one after another, each decided on the state the previous ones produced. */
export function history(...steps: ((state: LedgerState) => UnchainedEvent[])[]): UnchainedEvent[] {
  const state = initialState();
  const all: UnchainedEvent[] = [];
  for (const step of steps) {
    const events = step(state);
    fold(events, state);
    all.push(...events);
  }
  return all;
}

export const allocated = (command: AllocateAddresses) => (state: LedgerState) => [
  ...decideAllocation(command, state).events,
];
export const released = (command: ReleaseAttachment) => (state: LedgerState) => decideRelease(command, state);

/** given(history).when(command) → then: the addresses chosen, the event types, or the error. */
export function given(events: readonly UnchainedEvent[]) {
  const state = fold(events);
  return {
    state,
    when(command: AllocateAddresses) {
      const attempt = (): ReturnType<typeof decideAllocation> => decideAllocation(command, state);
      return {
        thenAddresses(expected: string[]): UnchainedEvent[] {
          const decision = attempt();
          expect(decision.pools.map((decided) => decided.ip)).toEqual(expected);
          return [...decision.events];
        },
        thenEventTypes(expected: string[]): void {
          expect(attempt().events.map((event) => event.type)).toEqual(expected);
        },
        thenFails(code: string, message?: RegExp): void {
          let caught: unknown;
          try {
            attempt();
          } catch (error) {
            caught = error;
          }
          expect(caught).toBeInstanceOf(LedgerError);
          expect((caught as LedgerError).code).toBe(code);
          if (message) expect((caught as LedgerError).message).toMatch(message);
        },
      };
    },
  };
}
