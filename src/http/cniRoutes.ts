import type { FastifyInstance } from "fastify";
import { LedgerError } from "../../ledger/core/index.js";
import { execRequestSchema, runCniExec, type ExecRequest } from "../cni/cniExec.js";
import { cniRequestSchema, type CniRequestBody } from "../cni/cniRequest.js";
import type { AppDeps } from "./appDeps.js";

const VERBS = ["add", "del", "check", "gc", "status"] as const;

/** A raw call carries up to 1 MiB + 1 byte of stdin in base64 (4/3 larger), plus the environment. */
export const EXEC_BODY_LIMIT_BYTES = 2 * 1024 * 1024;

function parseWith<T>(
  schema: {
    safeParse(
      value: unknown,
    ): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
  },
  body: unknown,
): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map(String).join(".");
    throw new LedgerError("INVALID_REQUEST", `request field ${path || "body"} ${issue?.message ?? "is invalid"}`, {
      key: path,
    });
  }
  return parsed.data;
}

/**
 * `POST /v1/cni/exec`: one raw CNI call from a pipe (`{command, env, stdin}`), answered with what
 * the runtime must see (`{exitCode, stdout, stderr}`, always HTTP 200). `POST /v1/cni/{verb}`:
 * the same verbs with the call already decoded, for tools and tests.
 */
export function registerCniRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.post("/v1/cni/exec", { bodyLimit: EXEC_BODY_LIMIT_BYTES }, async (request, reply) => {
    if (request.caller.role !== "admin")
      throw new LedgerError("FORBIDDEN", `role ${request.caller.role} may query but not run CNI calls`);
    const call = parseWith<ExecRequest>(execRequestSchema, request.body);
    return reply.send(await runCniExec(call, deps.service));
  });
  app.post<{ Params: { verb: string } }>("/v1/cni/:verb", async (request, reply) => {
    const verb = request.params.verb.toLowerCase();
    if (!(VERBS as readonly string[]).includes(verb)) {
      throw new LedgerError(
        "UNKNOWN_VERB",
        `unknown CNI verb ${JSON.stringify(request.params.verb)}; use one of ${VERBS.join(", ")}`,
        { key: "CNI_COMMAND" },
      );
    }
    if (request.caller.role !== "admin")
      throw new LedgerError("FORBIDDEN", `role ${request.caller.role} may query but not run CNI ${verb.toUpperCase()}`);
    const body = parseWith<CniRequestBody>(cniRequestSchema, request.body);
    switch (verb as (typeof VERBS)[number]) {
      case "add":
        return reply.send((await deps.service.add(body)).result);
      case "del":
        await deps.service.del(body);
        return reply.send({});
      case "check":
        await deps.service.check(body);
        return reply.send({});
      case "gc":
        return reply.send({ released: await deps.service.gc(body) });
      case "status":
        await deps.service.status(body);
        return reply.send({});
    }
  });
}
