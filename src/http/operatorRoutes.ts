import type { FastifyInstance, FastifyRequest } from "fastify";
import { LedgerError } from "../../ledger/core/index.js";
import type { AllowlistQueries, AllowlistSelector } from "../operator/allowlistQuery.js";
import { OPERATOR_ACTIONS, type OperatorAction } from "../operator/operatorRequest.js";
import type { OperatorService } from "../operator/operatorService.js";
import { parseInstant } from "../time.js";
import type { AuthPolicy } from "./auth.js";

/** What the operator routes need beyond the query API: the action service and the allow-list queries. */
export interface OperatorDeps {
  readonly service: OperatorService;
  readonly allowlist: AllowlistQueries;
}

/**
 * The operator's identity recorded in `actor.user`: over TCP the bearer token's subject (a body
 * cannot claim another name); on the root-only unix socket the `user@host` the CLI sends, else
 * `unix-socket`.
 */
function operatorOf(request: FastifyRequest, auth: AuthPolicy): string {
  const claimed = (request.body as { user?: unknown } | undefined)?.user;
  if (auth.kind === "socket")
    return typeof claimed === "string" && claimed.trim() !== "" ? claimed.trim() : request.caller.subject;
  return request.caller.subject;
}

/**
 * `POST /v1/admin/{release,reserve,unreserve,reset-pool,drain-node}` (admin role only: an auditor
 * token gets 403) and `GET /v1/allowlist` (any role). Without operator deps the admin routes
 * answer 503, so an app built for queries alone says what is missing.
 */
export function registerOperatorRoutes(
  app: FastifyInstance,
  deps: { readonly operator?: OperatorDeps; readonly auth: AuthPolicy },
): void {
  for (const action of OPERATOR_ACTIONS) {
    app.post(`/v1/admin/${action}`, async (request) => {
      if (request.caller.role !== "admin") {
        throw new LedgerError(
          "FORBIDDEN",
          `role ${request.caller.role} may query but not ${action}; operator actions need an admin token`,
        );
      }
      if (!deps.operator)
        throw new LedgerError("NOT_READY", "this API has no operator service; run the agent (ipledger agent)");
      const body = (request.body ?? {}) as Record<string, unknown>;
      const { user: _user, ...rest } = body;
      return deps.operator.service.run(action as OperatorAction, rest, operatorOf(request, deps.auth));
    });
  }
  app.get<{ Querystring: { pool?: string; network?: string; namespace?: string; at?: string } }>(
    "/v1/allowlist",
    async (request) => {
      if (!deps.operator)
        throw new LedgerError("NOT_READY", "this API has no allow-list queries; run the agent (ipledger agent)");
      const { pool, network, namespace, at } = request.query;
      const given = [pool, network, namespace].filter((value) => value !== undefined);
      if (given.length !== 1)
        throw new LedgerError("INVALID_REQUEST", "allowlist needs exactly one of ?pool=, ?network= or ?namespace=", {
          key: "pool",
        });
      const selector: AllowlistSelector =
        pool !== undefined ? { pool } : network !== undefined ? { network } : { namespace: namespace as string };
      const atMs = at === undefined ? undefined : parseInstant(at, "at");
      return {
        at: atMs === undefined ? null : new Date(atMs).toISOString(),
        holders: deps.operator.allowlist.holders(selector, atMs),
        basis: deps.operator.allowlist.basis(),
      };
    },
  );
}
