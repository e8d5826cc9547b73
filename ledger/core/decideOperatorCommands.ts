import { z } from "zod";
import { targetPoolSchema } from "./commands.js";
import { actorSchema } from "./events.js";

/**
 * Operator commands: what a person asks the ledger to do by hand (release, reserve, reset, drain).
 * Each carries the operator's identity in `actor.user` and a reason, which becomes the events'
 * `note`, so the log says who did it and why. Like every command, time and ids come in with it.
 */

const operatorBase = {
  now: z.string(),
  actor: actorSchema,
  /** At least as many as the events the command may produce (one per released address). */
  eventIds: z.array(z.string()),
  /** Why: recorded as the events' `note`. Required, so no manual action is unexplained. */
  reason: z.string().trim().min(1, "needs a reason"),
};

/** A pool as the operator names it: its IPPool-style name (`10.20.0.0-24`, `production-10.20.0.0-24`). */
const poolName = z.string().min(1).optional();

export const adminReleaseSchema = z.object({
  ...operatorBase,
  kind: z.literal("AdminRelease"),
  ip: z.string().min(1),
  pool: poolName,
});
export type AdminRelease = z.infer<typeof adminReleaseSchema>;

export const reserveTargetSchema = z.object({
  ...operatorBase,
  kind: z.literal("ReserveTarget"),
  /** An address, a CIDR or a range `a-b`. */
  target: z.string().min(1),
  pool: poolName,
  /** Reserve even when addresses of the target are held: they stay with their holders until released. */
  force: z.boolean(),
  /**
   * Pool definitions (from `--range …` or a NetworkAttachmentDefinition), so an address can be
   * reserved before any pod used its pool: the pool containing the target is defined first.
   */
  define: z.array(targetPoolSchema).optional(),
});
export type ReserveTarget = z.infer<typeof reserveTargetSchema>;

export const liftReservationSchema = z.object({
  ...operatorBase,
  kind: z.literal("LiftReservation"),
  target: z.string().min(1),
  pool: poolName,
});
export type LiftReservation = z.infer<typeof liftReservationSchema>;

export const resetPoolSchema = z.object({
  ...operatorBase,
  kind: z.literal("ResetPool"),
  pool: z.string().min(1),
  /** Release only these addresses (what the operator was shown and confirmed); all when absent. */
  onlyIps: z.array(z.string()).optional(),
});
export type ResetPool = z.infer<typeof resetPoolSchema>;

export const drainNodeSchema = z.object({
  ...operatorBase,
  kind: z.literal("DrainNode"),
  /** The node whose allocations are released: the `owner.node` recorded at ADD. */
  node: z.string().min(1),
});
export type DrainNode = z.infer<typeof drainNodeSchema>;

export const operatorCommandSchema = z.discriminatedUnion("kind", [
  adminReleaseSchema,
  reserveTargetSchema,
  liftReservationSchema,
  resetPoolSchema,
  drainNodeSchema,
]);
export type OperatorCommand = z.infer<typeof operatorCommandSchema>;
export type OperatorCommandKind = OperatorCommand["kind"];
