import { z } from "zod";
import { LedgerError, type Actor, type OperatorCommand } from "../../ledger/core/index.js";
import { poolsOfIpam } from "../cni/cniRequest.js";

/**
 * The bodies of the operator actions, shared by the agent's admin routes (`POST /v1/admin/…`)
 * and the CLI's direct mode, so both validate the same way and build the same commands.
 */

const base = {
  /** Why the operator acts; recorded as the events' `note`. */
  reason: z.string().trim().min(1, "must say why (it is recorded in every event)"),
  /** The operator, as the CLI names its local user (`alice@host`). Over TCP the token's subject wins. */
  user: z.string().trim().min(1).max(200).optional(),
  /** Decide and return the events without appending them. */
  dryRun: z.boolean().optional(),
};
const pool = z.string().trim().min(1).optional();

export const OPERATOR_REQUESTS = {
  release: z.strictObject({ ...base, ip: z.string().trim().min(1), pool }),
  reserve: z.strictObject({
    ...base,
    target: z.string().trim().min(1),
    pool,
    force: z.boolean().optional(),
    /** An `ipam` object (Whereabouts keys) defining the pool, for a pool no pod has used yet. */
    ipam: z.record(z.string(), z.unknown()).optional(),
  }),
  unreserve: z.strictObject({ ...base, target: z.string().trim().min(1), pool }),
  "reset-pool": z.strictObject({
    ...base,
    pool: z.string().trim().min(1),
    /** The API's `--yes`: a reset that is not a dry run must be confirmed. */
    confirm: z.boolean().optional(),
    /** Release only these addresses: what the operator was shown before confirming. */
    onlyIps: z.array(z.string()).optional(),
  }),
  "drain-node": z.strictObject({ ...base, node: z.string().trim().min(1) }),
} as const;

export type OperatorAction = keyof typeof OPERATOR_REQUESTS;
export const OPERATOR_ACTIONS = Object.keys(OPERATOR_REQUESTS) as OperatorAction[];
export type OperatorRequest<A extends OperatorAction = OperatorAction> = z.infer<(typeof OPERATOR_REQUESTS)[A]>;

/** Validates a request body for `action`; INVALID_REQUEST naming the field at fault. */
export function parseOperatorRequest<A extends OperatorAction>(action: A, body: unknown): OperatorRequest<A> {
  const parsed = OPERATOR_REQUESTS[action].safeParse(body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".") || "body";
    throw new LedgerError("INVALID_REQUEST", `${action}: field ${field} ${issue?.message ?? "is invalid"}`, {
      key: field,
    });
  }
  return parsed.data as OperatorRequest<A>;
}

/** The core command for a validated request, stamped with time, actor and the request id. */
export function commandOf(
  action: OperatorAction,
  request: OperatorRequest,
  stamp: { now: string; actor: Actor; requestId: string },
): OperatorCommand {
  const common = { ...stamp, reason: request.reason };
  const poolOf = (value: { pool?: string | undefined }) => (value.pool === undefined ? {} : { pool: value.pool });
  switch (action) {
    case "release": {
      const r = request as OperatorRequest<"release">;
      return { ...common, kind: "AdminRelease", ip: r.ip, ...poolOf(r) };
    }
    case "reserve": {
      const r = request as OperatorRequest<"reserve">;
      return {
        ...common,
        kind: "ReserveTarget",
        target: r.target,
        force: r.force === true,
        ...poolOf(r),
        ...(r.ipam ? { define: poolsOfIpam(r.ipam) } : {}),
      };
    }
    case "unreserve": {
      const r = request as OperatorRequest<"unreserve">;
      return { ...common, kind: "LiftReservation", target: r.target, ...poolOf(r) };
    }
    case "reset-pool": {
      const r = request as OperatorRequest<"reset-pool">;
      return { ...common, kind: "ResetPool", pool: r.pool, ...(r.onlyIps ? { onlyIps: r.onlyIps } : {}) };
    }
    case "drain-node": {
      const r = request as OperatorRequest<"drain-node">;
      return { ...common, kind: "DrainNode", node: r.node };
    }
    default: {
      const unknown: never = action;
      throw new LedgerError("INVALID_REQUEST", `unknown operator action ${String(unknown)}`);
    }
  }
}
