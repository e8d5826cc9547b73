import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { LedgerError } from "../../ledger/core/index.js";
import type { AppDeps } from "./appDeps.js";
import { authenticate, type Role } from "./auth.js";
import { registerCniRoutes } from "./cniRoutes.js";
import { asLedgerError, cniErrorBody, HTTP_STATUSES, problemBody } from "./httpErrors.js";
import { registerQueryRoutes } from "./queryRoutes.js";
import { registerAuditRoutes } from "./auditRoutes.js";
import { registerOperatorRoutes } from "./operatorRoutes.js";

export type { AppDeps };

/** 1 MiB: a CNI config is a few KiB; anything bigger is a mistake or an attack. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

declare module "fastify" {
  interface FastifyRequest {
    caller: { role: Role; subject: string };
  }
}

/**
 * Builds the agent's HTTP API without listening, so tests can `inject()` requests. The same app
 * serves the unix socket (auth `socket`) and, built a second time, the TCP listener (tokens).
 *
 * @example
 *   const app = buildApp(deps);
 *   const reply = await app.inject({ method: "GET", url: "/healthz" });
 */
export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    bodyLimit: BODY_LIMIT_BYTES,
    // The caller's logger is used as given (its level, destination and redaction); without one the app is silent.
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
  });
  app.decorateRequest("caller", null as unknown as FastifyRequest["caller"]);

  app.addHook("onRequest", async (request) => {
    request.caller = { role: "auditor", subject: "anonymous" };
    if (request.url === "/healthz" || request.url === "/readyz") return;
    request.caller = authenticate(deps.auth, request.headers.authorization);
  });
  app.addHook("onResponse", async (request, reply) => {
    // CNI verbs get their own label (ADD and DEL have different costs); other routes use their pattern.
    // Through the pipes every verb arrives at /v1/cni/exec; its command names the verb.
    const exec = request.url.startsWith("/v1/cni/exec")
      ? (request.body as { command?: unknown } | undefined)?.command
      : undefined;
    const execVerb =
      typeof exec === "string" && /^(ADD|DEL|CHECK|GC|STATUS)$/.test(exec) ? exec.toLowerCase() : undefined;
    const verb = execVerb ?? /^\/v1\/cni\/(add|del|check|gc|status)\b/.exec(request.url)?.[1];
    const route = verb ? `/v1/cni/${verb}` : (request.routeOptions.url ?? "unknown");
    deps.metrics.requestSeconds.labels(route, String(reply.statusCode)).observe(reply.elapsedTime / 1000);
  });
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const ledgerError = toLedgerError(error);
    // The answer tells the caller to see the agent's log: put the cause there.
    if (ledgerError.code === "INTERNAL") request.log.error({ err: error }, "internal error; answered 500");
    if (request.url.startsWith("/v1/cni/")) {
      const version = (request.body as { config?: { cniVersion?: string } } | undefined)?.config?.cniVersion ?? "1.0.0";
      const verb = /^\/v1\/cni\/(\w+)/.exec(request.url)?.[1] ?? "";
      return reply.status(HTTP_STATUSES[ledgerError.code]).send(cniErrorBody(ledgerError, version, verb));
    }
    return reply.status(HTTP_STATUSES[ledgerError.code]).send(problemBody(ledgerError));
  });

  // Liveness tells the truth: a fold that gave up or stalled behind the log fails it, so the
  // kubelet restarts the agent; a fold merely catching up does not.
  app.get("/healthz", async (_request, reply) => {
    const liveness = await deps.runner.liveness();
    return reply
      .status(liveness.live ? 200 : 503)
      .send({ ok: liveness.live, ...(liveness.reason ? { reason: liveness.reason } : {}) });
  });
  app.get("/readyz", async (_request, reply) => {
    const ready = await deps.runner.caughtUp().catch(() => false);
    return reply.status(ready ? 200 : 503).send({ ready, position: Object.fromEntries(deps.runner.position()) });
  });
  app.get("/metrics", async (_request, reply) => {
    return reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  registerCniRoutes(app, deps);
  registerQueryRoutes(app, deps);
  registerAuditRoutes(app, deps);
  registerOperatorRoutes(app, deps);
  return app;
}

/** Fastify's own errors (body too large, bad JSON) become ledger errors with the right code. */
function toLedgerError(error: unknown): LedgerError {
  const code = (error as { code?: string }).code;
  if (code === "FST_ERR_CTP_BODY_TOO_LARGE")
    return new LedgerError(
      "REQUEST_TOO_LARGE",
      `the request body is over ${BODY_LIMIT_BYTES} bytes; a CNI config must be smaller`,
    );
  if (
    code === "FST_ERR_CTP_INVALID_JSON_BODY" ||
    ((error as { statusCode?: number }).statusCode === 400 && error instanceof SyntaxError)
  ) {
    return new LedgerError(
      "MALFORMED_JSON",
      `the network configuration is not valid JSON (${(error as Error).message}); fix the NetworkAttachmentDefinition or the file in /etc/cni/net.d`,
    );
  }
  if (code === "FST_ERR_CTP_INVALID_MEDIA_TYPE")
    return new LedgerError("INVALID_REQUEST", "send the request with Content-Type: application/json");
  return asLedgerError(error);
}
