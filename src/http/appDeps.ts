import type { FastifyBaseLogger } from "fastify";
import type { Queries } from "../../projections/sqlite/queries.js";
import type { ProjectionRunner } from "../../projections/runner.js";
import type { CniService } from "../cni/cniService.js";
import type { Metrics } from "../metrics.js";
import type { AuthPolicy } from "./auth.js";
import type { OperatorDeps } from "./operatorRoutes.js";

/**
 * What `buildApp` serves from. Its own module, so the route modules can name it without
 * importing `app.ts`, which imports them (a type-only cycle otherwise).
 */
export interface AppDeps {
  readonly service: CniService;
  readonly queries: Queries;
  readonly runner: ProjectionRunner;
  readonly metrics: Metrics;
  readonly auth: AuthPolicy;
  /** Operator actions and allow-lists (`/v1/admin/*`, `/v1/allowlist`); the agent always wires them. */
  readonly operator?: OperatorDeps;
  /**
   * Where the app logs (a pino logger, e.g. the agent's `logger.child({ component: "http" })`);
   * honoured as given. Absent: the app logs nothing.
   */
  readonly logger?: FastifyBaseLogger;
}
