import type { OperatorCommand } from "./decideOperatorCommands.js";
import { decideAdminRelease, decideDrainNode, decideResetPool } from "./decideOperatorRelease.js";
import { decideLiftReservation, decideReserve } from "./decideOperatorReserve.js";
import type { OperatorDecision } from "./decideOperatorTargets.js";
import { stampEventIds, type UnstampedEvent } from "./eventIds.js";
import { LedgerError } from "./errors.js";
import type { LedgerState } from "./state.js";

/**
 * Decides an operator command against the current state. Pure: throws `LedgerError` when the
 * command is refused and changes nothing; the events it returns go through the same fold as
 * every other writer's, so a manual action can never create a duplicate.
 *
 * @example
 *   const { events, notes } = decideOperator({ kind: "DrainNode", node: "worker-3", reason: "node lost", now, actor, requestId }, state);
 */
export function decideOperator(command: OperatorCommand, state: LedgerState): OperatorDecision {
  const { events, notes } = decideUnstamped(command, state);
  return { events: stampEventIds(events, command.requestId), notes };
}

function decideUnstamped(command: OperatorCommand, state: LedgerState): OperatorDecision<UnstampedEvent> {
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
