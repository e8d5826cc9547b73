import type { CommandStamp, TargetPool } from "./commands.js";

/**
 * Operator commands: what a person asks the ledger to do by hand (release, reserve, reset, drain).
 * Each carries the operator's identity in `actor.user` and a reason, which becomes the events'
 * `note`, so the log says who did it and why. Like every command, time and the request id come in
 * with it. The HTTP route and the CLI validate the request with `src/operator/operatorRequest.ts`
 * (one schema at the edge); these are the plain types the decider receives.
 */
interface OperatorBase extends CommandStamp {
  /** Why: recorded as the events' `note`; the edge refuses an empty one. */
  readonly reason: string;
}

export interface AdminRelease extends OperatorBase {
  readonly kind: "AdminRelease";
  readonly ip: string;
  /** A pool as the operator names it: its IPPool-style name (`10.20.0.0-24`, `production-10.20.0.0-24`). */
  readonly pool?: string | undefined;
}

export interface ReserveTarget extends OperatorBase {
  readonly kind: "ReserveTarget";
  /** An address, a CIDR or a range `a-b`. */
  readonly target: string;
  readonly pool?: string | undefined;
  /** Reserve even when addresses of the target are held: they stay with their holders until released. */
  readonly force: boolean;
  /**
   * Pool definitions (from `--range …` or a NetworkAttachmentDefinition), so an address can be
   * reserved before any pod used its pool: the pool containing the target is defined first.
   */
  readonly define?: readonly TargetPool[] | undefined;
}

export interface LiftReservation extends OperatorBase {
  readonly kind: "LiftReservation";
  readonly target: string;
  readonly pool?: string | undefined;
}

export interface ResetPool extends OperatorBase {
  readonly kind: "ResetPool";
  readonly pool: string;
  /** Release only these addresses (what the operator was shown and confirmed); all when absent. */
  readonly onlyIps?: readonly string[] | undefined;
}

export interface DrainNode extends OperatorBase {
  readonly kind: "DrainNode";
  /** The node whose allocations are released: the `owner.node` recorded at ADD. */
  readonly node: string;
}

export type OperatorCommand = AdminRelease | ReserveTarget | LiftReservation | ResetPool | DrainNode;
export type OperatorCommandKind = OperatorCommand["kind"];
