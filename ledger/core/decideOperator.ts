import type { OperatorCommand } from "./decideOperatorCommands.js";
import { decideAdminRelease, decideDrainNode, decideResetPool } from "./decideOperatorRelease.js";
import { decideLiftReservation, decideReserve } from "./decideOperatorReserve.js";
import type { OperatorDecision } from "./decideOperatorTargets.js";
import { LedgerError } from "./errors.js";
import type { LedgerState } from "./state.js";

/**
 * Decides an operator command against the current state. Pure: throws `LedgerError` when the
 * command is refused and changes nothing; the events it returns go through the same fold as
 * every other writer's, so a manual action can never create a duplicate.
 *
 * @example
 *   const { events, notes } = decideOperator({ kind: "DrainNode", node: "worker-3", reason: "node lost", now, actor, eventIds }, state);
 */
export function decideOperator(command: OperatorCommand, state: LedgerState): OperatorDecision {
  switch (command.kind) {
    case "AdminRelease":
      return decideAdminRelease(command, state);
    case "ReserveTarget":
      return decideReserve(command, state);
    case "LiftReservation":
      return decideLiftReservation(command, state);
    case "ResetPool":
      return decideResetPool(command, state);
    case "DrainNode":
      return decideDrainNode(command, state);
    default: {
      const unknown: never = command;
      throw new LedgerError("INVALID_REQUEST", `unknown operator command ${(unknown as { kind: string }).kind}`);
    }
  }
}

/** How many event ids `command` may need on `state`: one per address it could release. */
export function operatorIdsNeeded(command: OperatorCommand, state: LedgerState): number {
  if (command.kind === "ReserveTarget") return command.define?.length ? 2 : 1;
  if (command.kind !== "ResetPool" && command.kind !== "DrainNode") return 1;
  let held = 0;
  for (const pool of state.pools.values()) held += pool.byAttachment.size;
  return held;
}
