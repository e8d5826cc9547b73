import { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { LedgerError } from "../../ledger/core/index.js";
import type { Queries } from "../../projections/sqlite/queries.js";
import { DEFAULT_CHANGE_TYPES, filterOf, isEmptyFilter, parseTypes, timeZoneOf } from "../audit/auditParams.js";
import { answerAttribution, type ProbeInput } from "../audit/attributeProbes.js";
import { CONTENT_TYPES, exportWriter, parseExportFormat, parseExportKind } from "../audit/exportFormats.js";
import { openProjectionSnapshot } from "../readModel/projectionSnapshot.js";
import { parseInstant, retime } from "../time.js";
import type { AppDeps } from "./appDeps.js";

type Query = Record<string, string | undefined>;

const DEFAULT_LIMIT = 1_000;
const MAX_PROBES = 10_000;

function limitOf(query: Query): number {
  if (query.limit === undefined || query.limit === "") return DEFAULT_LIMIT;
  return Number(query.limit); // checked by the query (1..10000)
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && value !== "0" && value.toLowerCase() !== "false";
}

/** `consistent=1`: answer only once the fold has caught up with the log (or fail with NOT_READY). */
async function settle(deps: AppDeps, query: Query): Promise<void> {
  if (!isTrue(query.consistent)) return;
  const timeoutMs = query.consistentTimeoutMs ? Number(query.consistentTimeoutMs) : 10_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > 120_000)
    throw new LedgerError("INVALID_REQUEST", "consistentTimeoutMs must be a whole number of ms from 0 to 120000", {
      key: "consistentTimeoutMs",
    });
  await deps.runner.waitForCatchUp(timeoutMs);
}

/**
 * A read snapshot of the projection file for an export, so its pages all reflect one commit;
 * the live connection when there is no file (an in-memory projection).
 */
function exportSource(queries: Queries): { source: Queries; close: () => void } {
  const path = queries.db.name;
  if (!path || path === ":memory:") return { source: queries, close: () => undefined };
  const snapshot = openProjectionSnapshot(path);
  return { source: snapshot.queries, close: () => snapshot.close() };
}

/**
 * The auditor's API: read-only, so the `auditor` token role may call every route here. Every
 * answer carries `basis` (the log positions it reflects); lists are paginated with `limit`
 * (default 1000, at most 10000) and the `next` cursor, passed back as `after`; `tz` prints times
 * in a zone; `consistent=1` waits until the fold has caught up with the log.
 */
export function registerAuditRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { queries } = deps;

  app.get<{ Querystring: Query }>("/v1/who", async (request) => {
    const query = request.query;
    await settle(deps, query);
    const tz = timeZoneOf(query.tz, "tz");
    const atMs = query.at ? parseInstant(query.at, "at") : Date.now();
    const at = new Date(atMs).toISOString();
    const domain = query.domain;
    if (query.cidr) {
      const page = queries.holdersInCidr(query.cidr, atMs, {
        limit: limitOf(query),
        after: query.after,
        ...(domain !== undefined ? { domain } : {}),
      });
      return retime({ cidr: query.cidr, at, holders: page.rows, next: page.next, basis: queries.basis() }, tz);
    }
    if (!query.ip) throw new LedgerError("INVALID_REQUEST", "who needs ?ip=ADDRESS or ?cidr=CIDR", { key: "ip" });
    const holders = queries.holdersAt(query.ip, atMs, domain);
    return retime({ ip: query.ip, at, holder: holders[0] ?? null, holders, basis: queries.basis() }, tz);
  });

  app.get<{ Querystring: Query }>("/v1/history", async (request) => {
    const query = request.query;
    await settle(deps, query);
    const filter = filterOf(query);
    if (isEmptyFilter(filter))
      throw new LedgerError(
        "INVALID_REQUEST",
        "history needs a filter: ip, cidr, pod, podUid, container, node, pool, domain, since or until",
        { key: "ip" },
      );
    const page = queries.tenancyPage(filter, { limit: limitOf(query), after: query.after });
    return retime({ holders: page.rows, next: page.next, basis: queries.basis() }, timeZoneOf(query.tz, "tz"));
  });

  app.get<{ Querystring: Query }>("/v1/pool-state", async (request) => {
    const query = request.query;
    await settle(deps, query);
    if (!query.pool)
      throw new LedgerError("INVALID_REQUEST", "pool-state needs ?pool=NAME (see /v1/pools)", { key: "pool" });
    const atMs = query.at ? parseInstant(query.at, "at") : Date.now();
    return retime(
      { ...queries.poolState(query.pool, atMs, query.domain), basis: queries.basis() },
      timeZoneOf(query.tz, "tz"),
    );
  });

  app.get<{ Querystring: Query }>("/v1/changes", async (request) => {
    const query = request.query;
    await settle(deps, query);
    if (!query.since)
      throw new LedgerError("INVALID_REQUEST", "changes needs ?since=TIME (and optionally until)", { key: "since" });
    const types = parseTypes(query.type, "type") ?? DEFAULT_CHANGE_TYPES;
    const filter = { ...filterOf(query), types, includeVoided: isTrue(query.includeVoided) };
    const page = queries.eventPage(filter, { limit: limitOf(query), after: query.after });
    return retime({ changes: page.rows, next: page.next, basis: queries.basis() }, timeZoneOf(query.tz, "tz"));
  });

  app.get<{ Params: { kind: string }; Querystring: Query }>("/v1/export/:kind", async (request, reply) => {
    const query = request.query;
    await settle(deps, query);
    const kind = parseExportKind(request.params.kind, "kind");
    const format = parseExportFormat(query.format, "format");
    const types = parseTypes(query.type, "type");
    const filter = { ...filterOf(query), ...(types ? { types } : {}), includeVoided: isTrue(query.includeVoided) };
    const writer = exportWriter(format, kind, timeZoneOf(query.tz, "tz"));
    const { source, close } = exportSource(queries);
    const read = (after: string | undefined) =>
      kind === "tenancies"
        ? source.tenancyPage(filter, { limit: 5_000, after })
        : source.eventPage(filter, { limit: 5_000, after });
    const body = Readable.from(
      (function* () {
        try {
          yield writer.start();
          for (let page = read(undefined); ; page = read(page.next as string)) {
            yield (page.rows as never[]).map((row) => writer.row(row)).join("");
            if (page.next === null) break;
          }
          yield writer.end();
        } finally {
          close();
        }
      })(),
    );
    return reply.type(CONTENT_TYPES[format]).header("x-ipledger-basis", JSON.stringify(source.basis())).send(body);
  });

  app.post<{ Body: { probes?: unknown; tz?: string } }>("/v1/attribute", async (request) => {
    const probes = request.body?.probes;
    if (!Array.isArray(probes) || probes.length > MAX_PROBES) {
      throw new LedgerError(
        "INVALID_REQUEST",
        `attribute needs {"probes": [{"ip": ADDRESS, "at": TIME}, …]} with at most ${MAX_PROBES} probes`,
        { key: "probes" },
      );
    }
    const results = answerAttribution(queries, probes as ProbeInput[]);
    return retime({ results, basis: queries.basis() }, timeZoneOf(request.body?.tz, "tz"));
  });
}
