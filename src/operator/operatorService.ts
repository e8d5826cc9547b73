import { randomUUID } from "node:crypto";
import { decideOperator, LedgerError, type Actor, type UnchainedEvent } from "../../ledger/core/index.js";
import type { EventLog } from "../../ledger/log/eventLog.js";
import type { ProjectionRunner } from "../../projections/runner.js";
import { appendAndWait } from "../cni/appendAndWait.js";
import { commandOf, parseOperatorRequest, type OperatorAction } from "./operatorRequest.js";

/** What the fold made of one appended event. */
export interface OperatorOutcome {
  readonly id: string;
  readonly type: UnchainedEvent["type"];
  readonly pool: string;
  /** The address released, or the reservation's target. */
  readonly subject: string;
  readonly status: "accepted" | "voided" | "duplicate";
  readonly reason?: string;
}

/** The answer to one operator action, printed by the CLI and returned by the admin API. */
export interface OperatorResult {
  readonly action: OperatorAction;
  readonly dryRun: boolean;
  readonly actor: Actor;
  readonly reason: string;
  /** Exactly the events appended (or, on a dry run, that would be). */
  readonly events: readonly UnchainedEvent[];
  /** One per event, in order; empty on a dry run. */
  readonly outcomes: readonly OperatorOutcome[];
  readonly notes: readonly string[];
}

export interface OperatorServiceDeps {
  readonly log: EventLog;
  /** Folds the same log: decisions are made on its state, and appends wait for its verdict. */
  readonly runner: ProjectionRunner;
  /** Recorded as `actor.node`: the agent's node, or the host the CLI runs on. */
  readonly node: string;
  /** Recorded as `actor.component`: `agent` behind the admin API, `cli` when the CLI writes the log itself. */
  readonly component: string;
  readonly now?: () => Date;
  readonly newId?: () => string;
  readonly appendTimeoutMs?: number;
}

/** What an operator event is about; operator decisions append only releases and reservations. */
function subjectOf(event: UnchainedEvent): string {
  if (event.type === "AddressReleased") return event.data.ip;
  if (event.type === "AddressReserved" || event.type === "ReservationLifted") return event.data.target;
  return event.type;
}

/**
 * Operator actions against the ledger, the way the agent does CNI verbs: decide on the fold's
 * current state, append, and wait until the fold has judged every event. Actions run one at a
 * time, so two resets never decide on the same view; CNI writers racing an action are settled
 * by the fold (a release of an address already released is voided and reported).
 *
 * @example
 *   const operator = createOperatorService({ log, runner, node: "node-1", component: "agent" });
 *   const result = await operator.run("release", { ip: "10.0.0.5", reason: "stuck pod" }, "alice@laptop");
 */
export function createOperatorService(deps: OperatorServiceDeps) {
  const now = deps.now ?? (() => new Date());
  const newId = deps.newId ?? randomUUID;
  const timeoutMs = deps.appendTimeoutMs ?? 10_000;
  let chain: Promise<unknown> = Promise.resolve();

  async function perform(action: OperatorAction, body: unknown, user: string): Promise<OperatorResult> {
    const request = parseOperatorRequest(action, body);
    const actor: Actor = { node: deps.node, component: deps.component, user };
    const command = commandOf(action, request, { now: now().toISOString(), actor, requestId: newId() });
    const decision = decideOperator(command, deps.runner.state);
    const dryRun = request.dryRun === true;
    const result = { action, dryRun, actor, reason: command.reason, events: decision.events, notes: decision.notes };
    if (action === "reset-pool" && !dryRun && (request as { confirm?: boolean }).confirm !== true) {
      throw new LedgerError(
        "INVALID_REQUEST",
        `reset-pool would release ${decision.events.length} address(es) of pool ${(request as { pool: string }).pool}; confirm it (CLI --yes, API "confirm": true), or look first with a dry run`,
        { key: "confirm" },
      );
    }
    if (dryRun) return { ...result, outcomes: [] };
    const outcomes = await appendAndWait(deps.log, deps.runner, decision.events, timeoutMs);
    return {
      ...result,
      outcomes: decision.events.map((event) => {
        const outcome = outcomes.get(event.id);
        return {
          id: event.id,
          type: event.type,
          pool: event.pool,
          subject: subjectOf(event),
          status: outcome?.status ?? "voided",
          ...(outcome?.reason ? { reason: outcome.reason } : {}),
        };
      }),
    };
  }

  return {
    /** Runs `action` with its request body on behalf of `user` (recorded in `actor.user`). */
    run(action: OperatorAction, body: unknown, user: string): Promise<OperatorResult> {
      const result = chain.then(() => perform(action, body, user));
      chain = result.catch(() => undefined);
      return result;
    },
  };
}

export type OperatorService = ReturnType<typeof createOperatorService>;
