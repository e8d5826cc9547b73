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
  type Outcome,
  type Owner,
  type ReleaseAttachment,
  type TargetPool,
  type UnchainedEvent,
} from "../../ledger/core/index.js";
import { expectOneOwnerPerAddress } from "./oneOwnerPerAddress.js";

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

/** A decision step for `when`: decides on the state it is handed and returns the events to append. */
export type DecideStep = (state: LedgerState) => readonly UnchainedEvent[];

/**
 * The one given/when/then runner for decider tests (STYLE.md: `given([...]).when(...).then(...)`).
 * The history is appended to a log (one partition per domain) and folded into `state`.
 *
 * - `when(command)` decides an ADD on `state` and appends nothing: `thenAddresses`, `thenEventTypes`
 *   or `thenFails` check the decision.
 * - `when(step, { view })` decides on the live state, or with `view: n` on a view folded from only
 *   the first n events (a zombie), appends what was decided, and lets the fold judge it: `then`
 *   checks each event's outcome, `thenRefused` the decider's refusal. Every step ends with the
 *   check that no address has two owners.
 *
 * @example given([]).when(allocate(owner("web-0"), [pool("10.0.0.0/29")])).thenAddresses(["10.0.0.1"]);
 * @example given().when(allocated(allocate(c2, [p])), { view: 1 }).then(["voided: is held"]);
 */
export function given(events: readonly UnchainedEvent[] = []) {
  const log: UnchainedEvent[] = [];
  const partitions: string[] = [];
  const partitionOf = (domain: string): number =>
    partitions.includes(domain) ? partitions.indexOf(domain) : partitions.push(domain) - 1;
  const foldInto = (state: LedgerState, event: UnchainedEvent, offsets: Map<string, number>): Outcome => {
    const offset = offsets.get(event.domain) ?? 0;
    offsets.set(event.domain, offset + 1);
    return evolve(state, { partition: partitionOf(event.domain), offset, event: event as never });
  };
  const state = initialState();
  const ends = new Map<string, number>();
  const append = (event: UnchainedEvent): Outcome => (log.push(event), foldInto(state, event, ends));
  events.forEach(append);
  const viewOf = (count: number): LedgerState => {
    const view = initialState();
    const offsets = new Map<string, number>();
    log.slice(0, count).forEach((event) => foldInto(view, event, offsets));
    return view;
  };

  function when(command: AllocateAddresses): ReturnType<typeof decisionChecks>;
  function when(step: DecideStep, options?: { view?: number }): ReturnType<typeof foldChecks>;
  function when(
    what: AllocateAddresses | DecideStep,
    options: { view?: number } = {},
  ): ReturnType<typeof decisionChecks> | ReturnType<typeof foldChecks> {
    if (typeof what !== "function") return decisionChecks(() => decideAllocation(what, state));
    let refused: LedgerError | undefined;
    let outcomes: Outcome[] = [];
    try {
      outcomes = what(options.view === undefined ? state : viewOf(options.view)).map(append);
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      refused = error;
    }
    expectOneOwnerPerAddress(state);
    return foldChecks(outcomes, refused);
  }

  const scenario = {
    state,
    when,
    /** Who holds `ip` in `domain` now, as `containerId/ifName`. */
    holderOf(domain: string, ip: string): string | undefined {
      const holding = [...(state.domains.get(domain)?.held.values() ?? [])].find((entry) => entry.ip === ip);
      return holding && `${holding.owner.containerId}/${holding.owner.ifName}`;
    },
  };
  return scenario;
}

/** The checks of an ADD decided but not appended. */
function decisionChecks(attempt: () => ReturnType<typeof decideAllocation>) {
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
}

/** The checks of a step appended and folded: each event's outcome, or the decider's refusal. */
function foldChecks(outcomes: readonly Outcome[], refused: LedgerError | undefined) {
  return {
    /** Each decided event's status, with `: words` that its reason must contain. */
    then(expected: readonly string[]): void {
      expect(refused, refused?.message).toBeUndefined();
      const actual = outcomes.map((outcome, index) => {
        const [status, words] = (expected[index] ?? "").split(": ");
        const matches = outcome.status === status && (words === undefined || (outcome.reason ?? "").includes(words));
        return matches ? expected[index] : `${outcome.status}: ${outcome.reason ?? ""}`;
      });
      expect(actual).toEqual(expected);
    },
    thenRefused(code: string): void {
      expect(refused?.code, `expected ${code}, decided ${JSON.stringify(outcomes)}`).toBe(code);
    },
  };
}
