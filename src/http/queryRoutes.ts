import type { FastifyInstance } from "fastify";
import type { AppDeps } from "./appDeps.js";

/** Read-only routes; every answer carries `basis`, the log positions it reflects. */
export function registerQueryRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { queries } = deps;
  app.get("/v1/pools", async () => ({ pools: queries.pools(), basis: queries.basis() }));
  app.get("/v1/allocations", async () => ({ allocations: queries.allocations(), basis: queries.basis() }));
  // /v1/who and /v1/history, with the other auditor routes, are in auditRoutes.ts.
}
