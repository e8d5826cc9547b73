import { expect } from "vitest";
import {
  attachmentKeyOf,
  decideAllocation,
  decideGarbageCollection,
  decideRelease,
  evolve,
  initialState,
  LedgerError,
  poolKeyOf,
  type AllocateAddresses,
  type LedgerEvent,
  type LedgerState,
  type LoggedEvent,
  type Outcome,
  type UnchainedEvent,
} from "../../../../ledger/core/index.js";
import { canonical, CONTAINERS, IF_NAMES, INVALID_DEFINITIONS, ownerOf, POOLS } from "./poolFixtures.js";
import { ReferenceModel } from "./referenceModel.js";
import { dumpState, expectOneOwnerPerAddress, holdingsOf, outcomeText, positionOf, replay } from "./stateChecks.js";

/** 0 is the live writer (its view is always caught up); 1 and 2 are lagging agents (zombies). */
export type Writer = 0 | 1 | 2;

export interface AddCommand {
  readonly kind: "add";
  readonly writer: Writer;
  readonly container: number;
  readonly pod: number;
  readonly ifName: string;
  readonly pools: readonly number[];
  readonly requested: readonly string[];
  readonly sticky: boolean;
  readonly spread: number;
  readonly random: number;
  /** Append the domains of the decision in reverse order (appends per domain are independent). */
  readonly reverse: boolean;
  /**
   * Pass the target pools as `definitionsInFlight` (the writer believes it already appended
   * their PoolDefined). Honoured for lagging and racing writers only, whose claims may be voided.
   */
  readonly inFlight: boolean;
}

export interface DelCommand {
  readonly kind: "del";
  readonly writer: Writer;
  readonly container: number;
  readonly ifName: string;
  readonly pools: readonly number[] | undefined;
  readonly onlyIp: string | undefined;
  readonly reverse: boolean;
}

export interface GcCommand {
  readonly kind: "gc";
  readonly writer: Writer;
  readonly pools: readonly number[];
  /** Indices into containers × interfaces of the attachments still valid. */
  readonly valid: readonly number[];
}

export interface RogueEvent {
  readonly type:
    | "AddressAllocated"
    | "AddressReleased"
    | "AllocationAdopted"
    | "AddressReserved"
    | "ReservationLifted"
    | "PoolDefined"
    | "InvalidPool";
  readonly pool: number;
  readonly wrongDomain: boolean;
  readonly ip: string;
  readonly container: number;
  readonly fromContainer: number;
  readonly pod: number;
  readonly ifName: string;
  readonly requested: boolean;
  readonly skewMs: number;
}

export type Command =
  | AddCommand
  | DelCommand
  | GcCommand
  /** Two writers decide on the same view, then both append (in either order, or interleaved). */
  | {
      readonly kind: "race";
      readonly first: AddCommand | DelCommand;
      readonly second: AddCommand | DelCommand;
      readonly secondFirst: boolean;
      readonly interleave: boolean;
    }
  /** A producer retry: an already logged record appended again, same id. */
  | { readonly kind: "duplicate"; readonly pick: number }
  | { readonly kind: "catchUp"; readonly agent: 1 | 2; readonly count: number }
  /** A zombie wakes up with a view folded only up to an earlier offset. */
  | { readonly kind: "rewind"; readonly agent: 1 | 2; readonly fraction: number }
  /** A writer that decides nothing properly: any event, any address. The fold must cope. */
  | { readonly kind: "rogue"; readonly event: RogueEvent }
  | { readonly kind: "tick"; readonly ms: number };

/** What the runs exercised, summed over all runs, so the test can show it tested something. */
export interface Coverage {
  commands: number;
  events: number;
  accepted: number;
  voided: number;
  duplicates: number;
  refusals: Map<string, number>;
  staleVoids: number;
  adoptions: number;
  cooldownRefusals: number;
}

export function newCoverage(): Coverage {
  return {
    commands: 0,
    events: 0,
    accepted: 0,
    voided: 0,
    duplicates: 0,
    refusals: new Map(),
    staleVoids: 0,
    adoptions: 0,
    cooldownRefusals: 0,
  };
}

interface Agent {
  state: LedgerState;
  cursor: number;
}

const START_MS = Date.parse("2025-01-07T14:00:00.000Z");
/** Agent 1's clock is slow, agent 2's fast: effective time must still never go backwards. */
const CLOCK_SKEW_MS = [0, -2_500, 1_500] as const;

/**
 * One simulated ledger: an in-memory log (a partition per domain), the live state folded as
 * events are appended, two lagging agents with their own folds, and the reference model.
 * Everything is pure and synchronous; `run` executes one command and `check` asserts the
 * invariants.
 */
export class LedgerWorld {
  private readonly logged: LoggedEvent[] = [];
  /** The same events after a JSON round trip, as any log backend returns them. */
  private readonly stored: LoggedEvent[] = [];
  private readonly outcomes = new Map<string, string>();
  private readonly partitionOf = new Map<string, number>();
  private readonly ends: number[] = [];
  private readonly live = initialState();
  private readonly model = new ReferenceModel();
  private readonly agents: Record<1 | 2, Agent> = {
    1: { state: initialState(), cursor: 0 },
    2: { state: initialState(), cursor: 0 },
  };
  /** `domain|address` → the attachment whose tenancy is open, built from the outcomes' effects. */
  private readonly openTenancies = new Map<string, string>();
  private clockMs = START_MS;
  private comparedUpTo = 0;
  private nextId = 0;

  constructor(private readonly coverage: Coverage) {}

  /** The log written so far, as a backend returns it (after a JSON round trip). */
  storedLog(): readonly LoggedEvent[] {
    return this.stored;
  }

  run(command: Command): void {
    this.coverage.commands += 1;
    this.clockMs += 250;
    switch (command.kind) {
      case "add":
      case "del":
        return this.single(command);
      case "gc":
        return void this.appendDecision(this.decideGc(command), false);
      case "race":
        return this.race(command);
      case "duplicate":
        return this.duplicate(command.pick);
      case "catchUp":
        return this.catchUp(command.agent, command.count);
      case "rewind": {
        const agent = this.agents[command.agent];
        agent.state = initialState();
        agent.cursor = 0;
        return this.catchUp(command.agent, Math.floor(command.fraction * this.logged.length));
      }
      case "rogue":
        return void this.append([this.rogueEvent(command.event)]);
      case "tick":
        this.clockMs += command.ms;
        return;
      default: {
        const unknown: never = command;
        throw new Error(`test bug: unknown command ${JSON.stringify(unknown)}`);
      }
    }
  }

  /**
   * The invariants that hold after every step. The replay's outcomes are compared for the
   * events of this step (earlier ones were compared by earlier steps); `finish` compares all.
   * A step that appended nothing changed neither the log nor the live state (decide is checked
   * to be pure), so the previous replay still stands for it.
   */
  check(): void {
    expectOneOwnerPerAddress(this.live);
    expect(holdingsOf(this.live), "the live state and the reference model hold different things").toEqual(
      this.model.holdings(),
    );
    if (this.comparedUpTo === this.logged.length && this.comparedUpTo > 0) return;
    const fresh = replay(this.stored);
    const [replayed, live] = [dumpState(fresh.state), dumpState(this.live)];
    if (replayed !== live) expect(replayed, "a replay of the whole log differs from the live state").toBe(live);
    for (; this.comparedUpTo < this.logged.length; this.comparedUpTo += 1) {
      const position = positionOf(this.logged[this.comparedUpTo]!);
      const [again, first] = [outcomeText(fresh.outcomes.get(position)!), this.outcomes.get(position)];
      if (again !== first) expect(again, `a replay's outcome of event ${position}`).toBe(first);
    }
  }

  /** At the end of a run: a last replay gives every event the outcome the live fold gave it. */
  finish(): void {
    const fresh = replay(this.stored);
    expect(
      new Map([...fresh.outcomes].map(([position, outcome]) => [position, outcomeText(outcome)])),
      "a replay gives other outcomes than the live fold",
    ).toEqual(this.outcomes);
  }

  private stateOf(writer: Writer): LedgerState {
    return writer === 0 ? this.live : this.agents[writer].state;
  }

  private ids(count: number): string[] {
    return Array.from({ length: count }, () => `event-${(this.nextId += 1)}`);
  }

  private nowOf(writer: Writer): string {
    return new Date(this.clockMs + CLOCK_SKEW_MS[writer]).toISOString();
  }

  private addCommand(command: AddCommand, racing: boolean): AllocateAddresses {
    const writer = command.writer;
    const inFlight = command.inFlight && (racing || writer !== 0);
    return {
      ...(inFlight
        ? {
            definitionsInFlight: command.pools.map((index) =>
              poolKeyOf(POOLS[index]!.target.domain, POOLS[index]!.target.pool),
            ),
          }
        : {}),
      kind: "AllocateAddresses",
      now: this.nowOf(writer),
      actor: { node: `node-${writer}`, component: "agent" },
      requestId: this.ids(1)[0]!,
      owner: ownerOf(command.container, command.pod, command.ifName, `node-${writer}`),
      pools: command.pools.map((index) => POOLS[index]!.target),
      requested: [...command.requested],
      sticky: command.sticky,
      spread: command.spread,
      random: command.pools.map((_, index) => ((command.random * (index + 3)) % 1000) / 1000),
      avoid: [],
    };
  }

  /**
   * Decides an ADD or DEL on the writer's view. A refused ADD (LedgerError) appends nothing; for
   * the live writer the refusal must be exactly the one the model predicts.
   */
  private decide(command: AddCommand | DelCommand, racing = false): readonly UnchainedEvent[] {
    const state = this.stateOf(command.writer);
    if (command.kind === "del") {
      const poolKeys = command.pools?.map((index) => poolKeyOf(POOLS[index]!.target.domain, POOLS[index]!.target.pool));
      return this.pure(command.writer, () =>
        decideRelease(
          {
            kind: "ReleaseAttachment",
            now: this.nowOf(command.writer),
            actor: { node: `node-${command.writer}`, component: "agent" },
            requestId: this.ids(1)[0]!,
            containerId: CONTAINERS[command.container]!,
            ifName: command.ifName,
            reason: "cni-del",
            ...(poolKeys ? { poolKeys } : {}),
            ...(command.onlyIp !== undefined ? { onlyIps: [command.onlyIp] } : {}),
          },
          state,
        ),
      );
    }
    const allocate = this.addCommand(command, racing);
    const fixtures = command.pools.map((index) => POOLS[index]!);
    const expected = command.writer === 0 ? this.model.refusalFor(allocate, fixtures) : undefined;
    let decision;
    try {
      decision = this.pure(command.writer, () => decideAllocation(allocate, state));
    } catch (error) {
      if (!(error instanceof LedgerError)) throw error;
      this.coverage.refusals.set(error.code, (this.coverage.refusals.get(error.code) ?? 0) + 1);
      const ownPicks = error.code === "POOL_EXHAUSTED" && this.model.exhaustionMayFollowOwnPicks;
      if (command.writer === 0 && !ownPicks)
        expect(error.code, `decideAllocation refused ${JSON.stringify(allocate)}: ${error.message}`).toBe(expected);
      return [];
    }
    if (command.writer === 0)
      expect(expected, `decideAllocation accepted what the model refuses: ${JSON.stringify(allocate)}`).toBeUndefined();
    // Whatever the view, a pick lies in its pool's window (dynamic) or usable range (requested).
    const picks = decision.pools.filter((pool) => pool.kind === "allocated");
    const allocations = decision.events.filter((event) => event.type === "AddressAllocated");
    expect(allocations.map((event) => event.data.ip)).toEqual(picks.map((pick) => pick.ip));
    let pick = 0;
    command.pools.forEach((index, position) => {
      if (decision.pools[position]?.kind !== "allocated") return;
      const event = allocations[pick++]!;
      const allowed = event.data.requested ? POOLS[index]!.requestable : POOLS[index]!.dynamic;
      expect(
        allowed.has(event.data.ip),
        `${event.data.ip} picked in ${POOLS[index]!.label} (requested: ${event.data.requested})`,
      ).toBe(true);
    });
    return decision.events;
  }

  private decideGc(command: GcCommand): readonly UnchainedEvent[] {
    const attachments = command.valid.map((index) =>
      attachmentKeyOf({
        containerId: CONTAINERS[index % CONTAINERS.length]!,
        ifName: IF_NAMES[index % IF_NAMES.length]!,
      }),
    );
    const poolKeys = [
      ...new Set(command.pools.map((index) => poolKeyOf(POOLS[index]!.target.domain, POOLS[index]!.target.pool))),
    ];
    return this.pure(command.writer, () =>
      decideGarbageCollection(
        {
          kind: "CollectGarbage",
          now: this.nowOf(command.writer),
          actor: { node: `node-${command.writer}`, component: "agent" },
          requestId: this.ids(1)[0]!,
          poolKeys,
          validAttachments: attachments,
          node: `node-${command.writer}`,
        },
        this.stateOf(command.writer),
      ),
    );
  }

  /** Runs a decider; on the live state, checks that it left the state as it found it (also when it throws). */
  private pure<T>(writer: Writer, decide: () => T): T {
    if (writer !== 0) return decide();
    const before = dumpState(this.live);
    try {
      return decide();
    } finally {
      if (dumpState(this.live) !== before) expect.fail("a decider changed the state it decided on");
    }
  }

  private single(command: AddCommand | DelCommand): void {
    const events = this.decide(command);
    const outcomes = this.appendDecision(events, command.reverse);
    if (command.writer === 0) this.expectOnlySelfCollisions(events, outcomes);
    else this.coverage.staleVoids += events.filter((event) => outcomes.get(event.id)?.status === "voided").length;
  }

  /**
   * The live writer's view is the fold's, so its claims are voided only where its own decision
   * collides with itself: two overlapping pools of one request picking one address, or one pool
   * named twice with two definitions (both targets claim or adopt for the same attachment).
   */
  private expectOnlySelfCollisions(events: readonly UnchainedEvent[], outcomes: ReadonlyMap<string, Outcome>): void {
    const claimedAddresses = new Set<string>();
    const claimedPools = new Set<string>();
    for (const event of events) {
      const outcome = outcomes.get(event.id);
      if (event.type === "AddressAllocated" || event.type === "AllocationAdopted") {
        const address = `${event.domain}|${event.data.ip}`;
        const pool = poolKeyOf(event.domain, event.pool);
        if (outcome?.status !== "accepted") {
          expect(
            claimedAddresses.has(address) || claimedPools.has(pool),
            `the live writer's claim ${event.data.ip} in ${event.pool} was voided: ${outcome?.reason}`,
          ).toBe(true);
        }
        claimedAddresses.add(address);
        claimedPools.add(pool);
      } else {
        expect(
          outcome?.status,
          `the live writer's ${event.type} ${JSON.stringify(event.data)} was not accepted: ${outcome?.reason}`,
        ).toBe("accepted");
      }
    }
  }

  private race(command: Extract<Command, { kind: "race" }>): void {
    // Both decide before either appends: each sees the other's claims only in the fold.
    const first = groupByDomain(this.decide({ ...command.first, writer: 0 }, true));
    const second = groupByDomain(this.decide({ ...command.second, writer: 0 }, true));
    const [a, b] = command.secondFirst ? [second, first] : [first, second];
    const order = command.interleave
      ? a.flatMap((group, index) => [group, ...(b[index] ? [b[index]] : [])]).concat(b.slice(a.length))
      : [...a, ...b];
    for (const group of order) this.append(group);
  }

  private duplicate(pick: number): void {
    if (this.logged.length === 0) return;
    const original = this.logged[pick % this.logged.length]!.event;
    const before = dumpState(this.live, { withApplied: false });
    const [outcome] = this.append([original]);
    expect(outcome?.status, `re-applying event ${original.id} (${original.type})`).toBe("duplicate");
    expect(dumpState(this.live, { withApplied: false }), "a duplicate changed the state").toBe(before);
  }

  private catchUp(which: 1 | 2, count: number): void {
    const agent = this.agents[which];
    const end = Math.min(this.stored.length, agent.cursor + count);
    for (; agent.cursor < end; agent.cursor += 1) evolve(agent.state, this.stored[agent.cursor]!);
  }

  private rogueEvent(spec: RogueEvent): UnchainedEvent {
    const fixture = POOLS[spec.pool]!;
    const owner = ownerOf(spec.container, spec.pod, spec.ifName, "rogue");
    const wrongDomain = fixture.target.domain === "" ? "blue" : "";
    const base = {
      v: 1 as const,
      id: this.ids(1)[0]!,
      domain: spec.wrongDomain ? wrongDomain : fixture.target.domain,
      pool: fixture.target.pool,
      at: new Date(this.clockMs + spec.skewMs).toISOString(),
      actor: { node: "rogue", component: "test" },
    };
    switch (spec.type) {
      case "AddressAllocated":
        return { ...base, type: spec.type, data: { ip: spec.ip, owner, requested: spec.requested, basis: {} } };
      case "AddressReleased":
        return { ...base, type: spec.type, data: { ip: spec.ip, owner, reason: "admin" } };
      case "AllocationAdopted":
        return {
          ...base,
          type: spec.type,
          data: {
            ip: spec.ip,
            owner,
            fromContainerId: CONTAINERS[spec.fromContainer]!,
            toContainerId: owner.containerId,
          },
        };
      case "AddressReserved":
      case "ReservationLifted":
        return { ...base, type: spec.type, data: { target: spec.ip, note: "held for a test" } };
      case "PoolDefined":
        return { ...base, domain: fixture.target.domain, type: "PoolDefined", data: fixture.target.definition };
      case "InvalidPool": {
        const invalid = INVALID_DEFINITIONS[spec.pool % INVALID_DEFINITIONS.length]!;
        return { ...base, domain: invalid.domain, pool: invalid.pool, type: "PoolDefined", data: invalid.definition };
      }
      default: {
        const unknown: never = spec.type;
        throw new Error(`test bug: unknown rogue event ${String(unknown)}`);
      }
    }
  }

  /** Appends a decision's events, one append per domain as `appendAndWait` does. */
  private appendDecision(events: readonly UnchainedEvent[], reverse: boolean): Map<string, Outcome> {
    const groups = groupByDomain(events);
    if (reverse) groups.reverse();
    const outcomes = new Map<string, Outcome>();
    for (const group of groups) this.append(group).forEach((outcome, index) => outcomes.set(group[index]!.id, outcome));
    return outcomes;
  }

  /**
   * Appends events of one domain to its partition, folds each into the live state and into the
   * model, and checks that both agree on what became of it.
   */
  private append(events: readonly UnchainedEvent[]): Outcome[] {
    return events.map((event) => {
      const domain = event.domain;
      let partition = this.partitionOf.get(domain);
      if (partition === undefined) {
        partition = this.ends.length;
        this.partitionOf.set(domain, partition);
        this.ends.push(0);
      }
      const offset = this.ends[partition]!;
      this.ends[partition] = offset + 1;
      const logged: LoggedEvent = { partition, offset, event: event as LedgerEvent };
      this.logged.push(logged);
      this.stored.push({ partition, offset, event: JSON.parse(JSON.stringify(event)) as LedgerEvent });
      const outcome = evolve(this.live, logged);
      this.outcomes.set(positionOf(logged), outcomeText(outcome));
      const expected = this.model.apply(logged.event);
      if (outcome.status !== expected)
        expect.fail(
          `event ${positionOf(logged)} ${JSON.stringify(event)}: the fold says ${outcome.status} (${outcome.reason ?? ""}), the model says ${expected}`,
        );
      this.record(outcome);
      return outcome;
    });
  }

  private record(outcome: Outcome): void {
    this.coverage.events += 1;
    if (outcome.status === "accepted") this.coverage.accepted += 1;
    if (outcome.status === "voided") this.coverage.voided += 1;
    if (outcome.status === "duplicate") this.coverage.duplicates += 1;
    if (outcome.reason?.includes("cooldown")) this.coverage.cooldownRefusals += 1;
    for (const effect of outcome.effects) {
      if (effect.kind !== "tenancyOpened" && effect.kind !== "tenancyClosed") continue;
      const address = canonical(effect.ip)?.ip;
      const key = `${effect.domain}|${address}`;
      const attachment = `${effect.owner.containerId}/${effect.owner.ifName}`;
      if (effect.kind === "tenancyOpened") {
        const holder = this.openTenancies.get(key);
        if (holder !== undefined)
          expect.fail(
            `${effect.ip} in domain ${JSON.stringify(effect.domain)} opened for ${attachment} while ${holder} still holds it`,
          );
        this.openTenancies.set(key, attachment);
      } else {
        expect(this.openTenancies.get(key), `${effect.ip} closed for ${attachment}`).toBe(attachment);
        this.openTenancies.delete(key);
        if (effect.reason === "adopted") this.coverage.adoptions += 1;
      }
    }
  }
}

function groupByDomain(events: readonly UnchainedEvent[]): UnchainedEvent[][] {
  const groups = new Map<string, UnchainedEvent[]>();
  for (const event of events) groups.set(event.domain, [...(groups.get(event.domain) ?? []), event]);
  return [...groups.values()];
}
