import type { FastifyInstance } from "fastify";
import { LedgerError } from "../../ledger/core/index.js";
import { parseInstant } from "../time.js";
import type { AppDeps } from "./app.js";

function podFilter(text: string): { namespace: string; name: string } {
  const [namespace, name, extra] = text.split("/");
  if (!namespace || !name || extra !== undefined) throw new LedgerError("INVALID_REQUEST", `pod ${JSON.stringify(text)} must be NAMESPACE/NAME`, { key: "pod" });
  return { namespace, name };
}

/** Read-only routes; every answer carries `basis`, the log positions it reflects. */
export function registerQueryRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { queries } = deps;
  app.get("/v1/pools", async () => ({ pools: queries.pools(), basis: queries.basis() }));
  app.get("/v1/allocations", async () => ({ allocations: queries.allocations(), basis: queries.basis() }));
  app.get<{ Querystring: { ip?: string; at?: string } }>("/v1/who", async (request) => {
    const { ip, at } = request.query;
    if (!ip) throw new LedgerError("INVALID_REQUEST", "who needs ?ip=ADDRESS", { key: "ip" });
    const atMs = at ? parseInstant(at, "at") : Date.now();
    return { ip, at: new Date(atMs).toISOString(), holder: queries.who(ip, atMs), basis: queries.basis() };
  });
  app.get<{ Querystring: { ip?: string; cidr?: string; pod?: string; since?: string; until?: string } }>("/v1/history", async (request) => {
    const { ip, cidr, pod, since, until } = request.query;
    if (!ip && !pod && !cidr) throw new LedgerError("INVALID_REQUEST", "history needs ?ip=ADDRESS, ?cidr=CIDR or ?pod=NAMESPACE/NAME", { key: "ip" });
    const holders = queries.history({
      ...(ip ? { ip } : {}),
      ...(cidr ? { cidr } : {}),
      ...(pod ? { pod: podFilter(pod) } : {}),
      ...(since ? { sinceMs: parseInstant(since, "since") } : {}),
      ...(until ? { untilMs: parseInstant(until, "until") } : {}),
    });
    return { holders, basis: queries.basis() };
  });
}
