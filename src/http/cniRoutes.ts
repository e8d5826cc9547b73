import type { FastifyInstance } from "fastify";
import { LedgerError } from "../../ledger/core/index.js";
import { cniRequestSchema, type CniRequestBody } from "../cni/cniRequest.js";
import type { AppDeps } from "./appDeps.js";

const VERBS = ["add", "del", "check", "gc", "status"] as const;

function parseBody(body: unknown): CniRequestBody {
  const parsed = cniRequestSchema.safeParse(body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LedgerError("INVALID_REQUEST", `request field ${issue?.path.join(".") || "body"} ${issue?.message ?? "is invalid"}`, { key: issue?.path.join(".") });
  }
  return parsed.data;
}

/** `POST /v1/cni/{add,del,check,gc,status}`: the plugin's one request per CNI call. */
export function registerCniRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.post<{ Params: { verb: string } }>("/v1/cni/:verb", async (request, reply) => {
    const verb = request.params.verb.toLowerCase();
    if (!(VERBS as readonly string[]).includes(verb)) {
      throw new LedgerError("UNKNOWN_VERB", `unknown CNI verb ${JSON.stringify(request.params.verb)}; use one of ${VERBS.join(", ")}`, { key: "CNI_COMMAND" });
    }
    if (request.caller.role !== "admin") throw new LedgerError("FORBIDDEN", `role ${request.caller.role} may query but not run CNI ${verb.toUpperCase()}`);
    const body = parseBody(request.body);
    switch (verb as (typeof VERBS)[number]) {
      case "add":
        return reply.send((await deps.service.add(body)).result);
      case "del":
        await deps.service.del(body);
        return reply.send({});
      case "check":
        deps.service.check(body);
        return reply.send({});
      case "gc":
        return reply.send({ released: await deps.service.gc(body) });
      case "status":
        await deps.service.status(body);
        return reply.send({});
    }
  });
}
