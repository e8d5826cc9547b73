import {
  decidePoolDefinitions,
  needsDefinition,
  poolKeyOf,
  type Actor,
  type TargetPool,
} from "../../ledger/core/index.js";
import type { EventLog } from "../../ledger/log/eventLog.js";
import type { ProjectionRunner } from "../../projections/runner.js";
import { appendAndWait } from "./appendAndWait.js";

/**
 * Puts each pool's `PoolDefined` in the log, and in the fold, before any claim on it. On Kafka a
 * claim appended beside its definition by one ADD could land ahead of it when a second ADD of the
 * same new pool appended its claim meanwhile (the fold then voids it: `unknown pool`). Concurrent
 * first ADDs of one pool on this agent share one definition append.
 *
 * @example
 *   const gate = createDefinitionGate({ log, runner, actor, now, newId, timeoutMs: 5000 });
 *   await gate.ensure(request.targets); // then decide and append the claims
 */
export function createDefinitionGate(deps: {
  log: EventLog;
  runner: ProjectionRunner;
  actor: Actor;
  now: () => Date;
  newId: () => string;
  timeoutMs: number;
}) {
  const inFlight = new Map<string, Promise<void>>();
  const keyOf = (target: TargetPool): string =>
    `${poolKeyOf(target.domain, target.pool)}\u0000${JSON.stringify(target.definition)}`;

  async function define(target: TargetPool): Promise<void> {
    const events = decidePoolDefinitions(
      { now: deps.now().toISOString(), actor: deps.actor, requestId: deps.newId(), pools: [target] },
      deps.runner.state,
    );
    // Voided as "definition unchanged" when another writer defined it first: the fold has it either way.
    await appendAndWait(deps.log, deps.runner, events, deps.timeoutMs);
  }

  /** The shared append of one definition, started by the first ADD that needs it. */
  function shared(target: TargetPool): Promise<void> {
    const key = keyOf(target);
    let promise = inFlight.get(key);
    if (!promise) {
      promise = define(target).finally(() => inFlight.delete(key));
      inFlight.set(key, promise);
    }
    return promise;
  }

  return {
    /**
     * Resolves once the fold holds every target's current definition. When a shared append fails,
     * an ADD that joined it late tries again (joining the next shared append) until its own
     * deadline, so one slow append does not fail every ADD queued behind it.
     */
    async ensure(targets: readonly TargetPool[]): Promise<void> {
      const deadline = Date.now() + deps.timeoutMs;
      for (;;) {
        const pending = targets.filter((target) => needsDefinition(target, deps.runner.state));
        if (pending.length === 0) return;
        try {
          await Promise.all(pending.map(shared));
          return;
        } catch (error) {
          if (Date.now() + 100 >= deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    },
  };
}
