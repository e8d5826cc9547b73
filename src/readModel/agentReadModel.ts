import type {
  AuditFilter,
  Basis,
  EventFilter,
  Holder,
  PoolState,
  PoolSummary,
} from "../../projections/sqlite/queries.js";
import type { ProbeResult } from "../audit/attributeProbes.js";
import { CHANGE_TYPES } from "../audit/auditParams.js";
import { askAgent } from "./agentClient.js";
import type { AllowHolder } from "../operator/allowlistQuery.js";
import type { ReadModel, ReadModelOptions } from "./readModel.js";

const PAGE = 5_000;

const iso = (ms: number): string => new Date(ms).toISOString();

function filterQuery(filter: AuditFilter & Partial<EventFilter>): URLSearchParams {
  const query = new URLSearchParams();
  const set = (key: string, value: string | number | undefined) => value !== undefined && query.set(key, String(value));
  set("ip", filter.ip);
  set("cidr", filter.cidr);
  set("pod", filter.pod ? `${filter.pod.namespace}/${filter.pod.name}` : undefined);
  set("podUid", filter.podUid);
  set("container", filter.containerId);
  set("node", filter.node);
  set("pool", filter.pool);
  set("domain", filter.domain);
  // Instants travel as ISO text: epoch numbers are read by their digit count, and 0 has too few.
  set("since", filter.sinceMs === undefined ? undefined : iso(filter.sinceMs));
  set("until", filter.untilMs === undefined ? undefined : iso(filter.untilMs));
  if (filter.types?.length) set("type", filter.types.join(","));
  if (filter.includeVoided) set("includeVoided", "1");
  return query;
}

/**
 * Answers from a running agent over its unix socket: the query and auditor API, page after page.
 * Instants travel as ISO text, `--consistent` as `consistent=1` on every request.
 *
 * @example const model = agentReadModel("/run/ipledger/agent.sock", { consistent: true, consistentTimeoutMs: 10_000 });
 */
export function agentReadModel(
  socket: string,
  options: Pick<ReadModelOptions, "consistent" | "consistentTimeoutMs"> = {},
): ReadModel {
  const consistency = options.consistent
    ? { consistent: "1", consistentTimeoutMs: String(options.consistentTimeoutMs ?? 10_000) }
    : {};
  const timeoutMs = (options.consistentTimeoutMs ?? 10_000) + 30_000;
  const get = <T>(path: string, query: URLSearchParams): Promise<T> => {
    for (const [key, value] of Object.entries(consistency)) query.set(key, value);
    return askAgent<T>(socket, `${path}?${query}`, { timeoutMs });
  };
  async function* pages<T>(path: string, query: URLSearchParams, key: string): AsyncGenerator<T[]> {
    for (let after: string | null = null; ;) {
      const pageQuery = new URLSearchParams(query);
      pageQuery.set("limit", String(PAGE));
      if (after) pageQuery.set("after", after);
      const page: Record<string, unknown> & { next: string | null } = await get(path, pageQuery);
      yield page[key] as T[];
      if (page.next === null) return;
      after = page.next;
    }
  }
  return {
    basis: async () => (await get<{ basis: Basis }>("/v1/pools", new URLSearchParams())).basis,
    pools: async () => (await get<{ pools: PoolSummary[] }>("/v1/pools", new URLSearchParams())).pools,
    who: async (ip, atMs, domain) =>
      (
        await get<{ holders: Holder[] }>(
          "/v1/who",
          new URLSearchParams({ ip, at: iso(atMs), ...(domain !== undefined ? { domain } : {}) }),
        )
      ).holders,
    whoCidr: (cidr, atMs, domain) =>
      pages(
        "/v1/who",
        new URLSearchParams({ cidr, at: iso(atMs), ...(domain !== undefined ? { domain } : {}) }),
        "holders",
      ),
    tenancies: (filter) => pages("/v1/history", filterQuery(filter), "holders"),
    // /v1/changes leaves out CheckpointSigned unless asked: ask for every type the filter allows.
    events: (filter) => pages("/v1/changes", filterQuery({ sinceMs: 0, types: CHANGE_TYPES, ...filter }), "changes"),
    poolState: async (pool, atMs, domain) =>
      get<PoolState>(
        "/v1/pool-state",
        new URLSearchParams({ pool, at: iso(atMs), ...(domain !== undefined ? { domain } : {}) }),
      ),
    attribute: async (probes) => {
      const { results } = await askAgent<{ results: ProbeResult[] }>(socket, "/v1/attribute", {
        method: "POST",
        body: { probes: probes.map((probe) => ({ ip: probe.ip, at: iso(probe.atMs) })) },
        timeoutMs,
      });
      return results.map((result) => ("error" in result ? { invalid: result.error } : { holders: result.holders }));
    },
    allowlist: async (selector, atMs) => {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(selector)) if (value !== undefined) query.set(key, String(value));
      if (atMs !== undefined) query.set("at", String(atMs));
      return (await askAgent<{ holders: AllowHolder[] }>(socket, `/v1/allowlist?${query}`)).holders;
    },
    close: async () => undefined,
  };
}
