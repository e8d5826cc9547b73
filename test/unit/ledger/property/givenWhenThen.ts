import { expect } from "vitest";
import {
  decideAllocation,
  decideRelease,
  evolve,
  initialState,
  LedgerError,
  type AllocateAddresses,
  type LedgerEvent,
  type LedgerState,
  type Outcome,
  type Owner,
  type TargetPool,
  type UnchainedEvent,
} from "../../../../ledger/core/index.js";
import { expectOneOwnerPerAddress } from "./stateChecks.js";

/**
 * Decider scenarios in the STYLE.md form `given(events).when(decision).then(outcomes)`. The
 * history is appended to a log (one partition per domain) and folded; `when` decides on the
 * live view, or with `{ view: n }` on a view folded from only the first n events (a zombie),
 * and appends whatever was decided.
 */
export function given(...history: UnchainedEvent[]) {
  const log: LedgerEvent[] = [];
  const ends = new Map<string, number>();
  const live = initialState();
  let nextId = 0;
  const append = (event: UnchainedEvent): Outcome => {
    const partition = [...ends.keys(), event.domain].indexOf(event.domain);
    const offset = ends.get(event.domain) ?? 0;
    ends.set(event.domain, offset + 1);
    log.push(event as LedgerEvent);
    return evolve(live, { partition, offset, event: event as LedgerEvent });
  };
  history.forEach(append);
  const viewOf = (count: number): LedgerState => {
    const state = initialState();
    const seen = new Map<string, number>();
    log.slice(0, count).forEach((event) => {
      const offset = seen.get(event.domain) ?? 0;
      seen.set(event.domain, offset + 1);
      evolve(state, { partition: [...ends.keys()].indexOf(event.domain), offset, event });
    });
    return state;
  };

  const scenario = {
    live,
    /** A fresh request id for a command (its events are stamped from it). */
    requestId: () => `when-${(nextId += 1)}`,
    when(decide: (state: LedgerState) => readonly UnchainedEvent[], options: { view?: number } = {}) {
      let refused: LedgerError | undefined;
      let outcomes: Outcome[] = [];
      try {
        const events = decide(options.view === undefined ? live : viewOf(options.view));
        outcomes = events.map(append);
      } catch (error) {
        if (!(error instanceof LedgerError)) throw error;
        refused = error;
      }
      expectOneOwnerPerAddress(live);
      return {
        /** Each decided event's status, with `: words` that its reason must contain. */
        then(expected: readonly string[]) {
          expect(refused, refused?.message).toBeUndefined();
          const actual = outcomes.map((outcome, index) => {
            const [status, words] = (expected[index] ?? "").split(": ");
            const matches =
              outcome.status === status && (words === undefined || (outcome.reason ?? "").includes(words));
            return matches ? expected[index] : `${outcome.status}: ${outcome.reason ?? ""}`;
          });
          expect(actual).toEqual(expected);
          return scenario;
        },
        thenRefused(code: string) {
          expect(refused?.code, `expected ${code}, decided ${JSON.stringify(outcomes)}`).toBe(code);
          return scenario;
        },
      };
    },
    /** Who holds `ip` in `domain` now, as `containerId/ifName`. */
    holderOf(domain: string, ip: string): string | undefined {
      const holding = [...(live.domains.get(domain)?.held.values() ?? [])].find((entry) => entry.ip === ip);
      return holding && `${holding.owner.containerId}/${holding.owner.ifName}`;
    },
  };
  return scenario;
}

/** An ADD command for `owner` on `pools`, its events stamped from `requestId`. */
export function allocate(
  owner: Owner,
  pools: readonly TargetPool[],
  requestId: string,
  requested: readonly string[] = [],
): AllocateAddresses {
  return {
    kind: "AllocateAddresses",
    now: "2025-01-07T14:05:00.000Z",
    actor: { node: "node-a", component: "agent" },
    requestId,
    owner,
    pools: [...pools],
    requested: [...requested],
    sticky: false,
    spread: 1,
    random: pools.map(() => 0),
    avoid: [],
  };
}

export const decideAdd = (command: AllocateAddresses) => (state: LedgerState) =>
  decideAllocation(command, state).events;

export const decideDel = (owner: Owner, requestId: string) => (state: LedgerState) =>
  decideRelease(
    {
      kind: "ReleaseAttachment",
      now: "2025-01-07T14:06:00.000Z",
      actor: { node: "node-a", component: "agent" },
      requestId,
      containerId: owner.containerId,
      ifName: owner.ifName,
      reason: "cni-del",
    },
    state,
  );
