import type { FastifyInstance } from "fastify";
import { LedgerError } from "../../ledger/core/index.js";
import type { EventFilter } from "../../projections/sqlite/queries.js";
import { filterOf, parseTypes, DEFAULT_CHANGE_TYPES } from "../audit/auditParams.js";
import { actorText } from "../audit/exportFormats.js";
import { parseInstant } from "../time.js";
import type { ConsoleData } from "./consoleData.js";
import { resolveSearch } from "./consoleSearch.js";
import { MAX_GRID_CELLS, poolGrid } from "./poolGrid.js";
import { historyWindow, shapeTimeline, utilisation } from "./timeline.js";

type Query = Record<string, string | undefined>;

/** Rows per page of a table; the browser asks for the next page. */
export const TABLE_PAGE = 100;
/** An address's history is read whole for drawing up to this many tenancies. */
const MAX_TIMELINE = 200_000;

const instant = (query: Query, key: string, fallback: number): number =>
  query[key] ? parseInstant(query[key] as string, key) : fallback;
const pageOf = (query: Query): number => {
  const page = Number(query.page ?? "0");
  if (!Number.isInteger(page) || page < 0)
    throw new LedgerError("INVALID_REQUEST", "page must be a whole number from 0", { key: "page" });
  return page;
};
const required = (query: Query, key: string): string => {
  const value = query[key];
  if (!value) throw new LedgerError("INVALID_REQUEST", `${key} is required`, { key });
  return value;
};

/**
 * The console's read-only JSON API: every route is a GET that asks `data`. Aggregation (the
 * timeline's density, the pool grid, utilisation) happens here so a big pool or a long history
 * reaches the browser in a few kilobytes.
 */
export function registerConsoleApi(app: FastifyInstance, data: ConsoleData): void {
  app.get("/api/search", async (request) => resolveSearch(data, (request.query as Query).q ?? ""));

  app.get("/api/who", async (request) => {
    const query = request.query as Query;
    const atMs = instant(query, "at", Date.now());
    return {
      ip: required(query, "ip"),
      at: new Date(atMs).toISOString(),
      holders: await data.who(required(query, "ip"), atMs),
      basis: await data.basis(),
    };
  });

  app.get("/api/cidr", async (request) => {
    const query = request.query as Query;
    const atMs = instant(query, "at", Date.now());
    const { holders, more } = await data.whoCidr(required(query, "cidr"), atMs, 5_000);
    return { cidr: query.cidr, at: new Date(atMs).toISOString(), holders, more };
  });

  app.get("/api/ip", async (request) => {
    const query = request.query as Query;
    const ip = required(query, "ip");
    const nowMs = Date.now();
    const filter = filterOf({ ip, since: query.from, until: query.to }, (name) =>
      name === "since" ? "from" : name === "until" ? "to" : name,
    );
    const history = await data.spans(filter, MAX_TIMELINE);
    const whole = historyWindow(history.spans, nowMs);
    const fromMs = filter.sinceMs ?? whole.fromMs;
    const toMs = filter.untilMs ?? whole.toMs;
    const page = pageOf(query);
    const timeline = shapeTimeline(history.spans, fromMs, toMs);
    // Voided claims and reservations are listed with the bars; a density view asks to zoom in first
    // (finding them reads the address's events, 20,000 for 10,000 tenancies).
    const { events } = timeline.bars
      ? await data.events({ ip, includeVoided: true, sinceMs: fromMs, untilMs: toMs + 1 }, 5_000)
      : { events: [] };
    return {
      ip,
      timeline,
      rows: await history.rows(page * TABLE_PAGE, (page + 1) * TABLE_PAGE),
      page,
      pageSize: TABLE_PAGE,
      voided: events.filter((event) => event.status !== "accepted"),
      reservations: events.filter((event) => event.type === "AddressReserved" || event.type === "ReservationLifted"),
      basis: await data.basis(),
    };
  });

  app.get("/api/pod", async (request) => {
    const query = request.query as Query;
    const filter = filterOf({ pod: query.pod, podUid: query.podUid, container: query.container });
    if (Object.keys(filter).length === 0)
      throw new LedgerError("INVALID_REQUEST", "name a pod, podUid or container", { key: "pod" });
    const { holders, more } = await data.tenancies(filter, 5_000);
    return { holders, more, basis: await data.basis() };
  });

  app.get("/api/pool", async (request) => {
    const query = request.query as Query;
    const pool = required(query, "pool");
    const atMs = instant(query, "at", Date.now());
    const state = await data.poolView(pool, atMs, query.domain || undefined);
    const grid = await data.remember(["grid", pool, atMs, state.domain], async () => {
      const cooldownMs = state.definition.reuseCooldownSeconds * 1000;
      const recentlyEnded =
        cooldownMs > 0
          ? (
              await data.tenancies(
                { pool, domain: state.domain, sinceMs: atMs - cooldownMs, untilMs: atMs + 1 },
                MAX_GRID_CELLS,
              )
            ).holders
          : [];
      return poolGrid(state, recentlyEnded);
    });
    const { holders, otherPools, rows, ...rest } = state;
    const page = pageOf(query);
    return {
      ...rest,
      heldCount: holders.length,
      otherPoolCount: otherPools.length,
      holders: await rows(page * TABLE_PAGE, (page + 1) * TABLE_PAGE),
      page,
      pageSize: TABLE_PAGE,
      grid,
      basis: await data.basis(),
    };
  });

  app.get("/api/pool/cell", async (request) => {
    const query = request.query as Query;
    const atMs = instant(query, "at", Date.now());
    return { holders: await data.who(required(query, "ip"), atMs) };
  });

  app.get("/api/pool/utilisation", async (request) => {
    const query = request.query as Query;
    const pool = required(query, "pool");
    const { spans } = await data.spans({ pool, ...(query.domain ? { domain: query.domain } : {}) }, MAX_TIMELINE);
    const whole = historyWindow(spans, Date.now());
    const fromMs = instant(query, "from", whole.fromMs);
    const toMs = instant(query, "to", whole.toMs);
    return { pool, fromMs, toMs, ...utilisation(spans, fromMs, toMs) };
  });

  app.get("/api/changes", async (request) => {
    const query = request.query as Query;
    const base = filterOf({ pool: query.pool, node: query.node, since: query.since, until: query.until, ip: query.ip });
    const filter: EventFilter = {
      ...base,
      types: parseTypes(query.type, "type") ?? DEFAULT_CHANGE_TYPES,
      includeVoided: query.voided === "1",
    };
    const actor = (query.actor ?? "").trim().toLowerCase();
    const page = pageOf(query);
    const wanted = (page + 1) * TABLE_PAGE;
    const { events, more } = await data.events(filter, actor ? 50_000 : wanted);
    const matching = actor ? events.filter((event) => actorText(event.actor).toLowerCase().includes(actor)) : events;
    return {
      events: matching.slice(page * TABLE_PAGE, wanted),
      page,
      pageSize: TABLE_PAGE,
      more: more || matching.length > wanted,
      basis: await data.basis(),
    };
  });
}
