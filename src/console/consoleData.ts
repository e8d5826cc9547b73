import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { LedgerError } from "../../ledger/core/index.js";
import type { EventLog } from "../../ledger/log/eventLog.js";
import type { Attribution } from "../../projections/sqlite/attributionResolver.js";
import type {
  AuditFilter,
  Basis,
  EventFilter,
  EventView,
  Holder,
  PoolState,
} from "../../projections/sqlite/queries.js";
import { verifyLedger, type VerifyReport } from "../../projections/verifyLedger.js";
import type { PoolCells, Span } from "../readModel/leanReads.js";
import { openReadModel } from "../readModel/openReadModel.js";
import type { ReadModel, ReadModelOptions } from "../readModel/readModel.js";
import { openCommandLog } from "../readModel/logOptions.js";
import { readSourceOf } from "../readModel/readSource.js";
import { spanOf } from "./timeline.js";

/** Tenancies for drawing, oldest first, with the whole rows of any slice of them (a table page). */
export interface SpanSet {
  readonly spans: readonly Span[];
  rows(from: number, to: number): Promise<Holder[]>;
}

/** A pool as of T (counts, definition, reservations) with holders as cells, and whole rows per table page. */
export interface PoolView extends Omit<PoolCells, "holders" | "otherPools"> {
  readonly holders: readonly Pick<Holder, "ip" | "pool">[];
  readonly otherPools: readonly Pick<Holder, "ip" | "pool">[];
  rows(from: number, to: number): Promise<Holder[]>;
}

/**
 * Everything the console reads, in one small port over the read model (data directory, agent
 * socket or Kafka replay), plus `verify`, which reads the log itself. Nothing here can write to
 * the ledger.
 */
export interface ConsoleData {
  /**
   * `local` when the answers come from files on this machine (data directory or a replay),
   * `socket` from an agent asked over its socket, `agent` when the agent itself serves the console.
   */
  readonly kind: "local" | "socket" | "agent";
  basis(): Promise<Basis>;
  who(ip: string, atMs: number): Promise<Holder[]>;
  whoCidr(cidr: string, atMs: number, limit: number): Promise<{ holders: Holder[]; more: boolean }>;
  /** Tenancies matching `filter`, oldest first, at most `limit` (then `more`). */
  tenancies(filter: AuditFilter, limit: number): Promise<{ holders: Holder[]; more: boolean }>;
  /** Every tenancy matching `filter`, page by page (for aggregation on the server). */
  eachTenancyPage(filter: AuditFilter): AsyncGenerator<Holder[]>;
  events(filter: EventFilter, limit: number): Promise<{ events: EventView[]; more: boolean }>;
  poolState(pool: string, atMs: number, domain?: string): Promise<PoolState>;
  /** `poolState` for drawing: the same answer, but whole rows only for the page shown. */
  poolView(pool: string, atMs: number, domain?: string): Promise<PoolView>;
  /**
   * `compute()` once per `key` and log position over a local source (the answer cannot change
   * until the basis moves), every time over a socket.
   */
  remember<T>(key: readonly unknown[], compute: () => Promise<T>): Promise<T>;
  /** Every tenancy matching `filter` as spans; REQUEST_TOO_LARGE beyond `cap`. */
  spans(filter: AuditFilter, cap: number): Promise<SpanSet>;
  attribute(probes: readonly { readonly ip: string; readonly atMs: number }[]): Promise<Attribution[]>;
  /** Checks the hash chain and single ownership; `onRead` counts events read so far. Unsupported over a socket. */
  verify(onRead: (events: number) => void): Promise<VerifyReport>;
  close(): Promise<void>;
}

async function collect<T>(pages: AsyncGenerator<T[]>, limit: number): Promise<{ rows: T[]; more: boolean }> {
  const rows: T[] = [];
  for await (const page of pages) {
    rows.push(...page);
    if (rows.length > limit) {
      await pages.return(undefined);
      return { rows: rows.slice(0, limit), more: true };
    }
  }
  return { rows, more: false };
}

const tooMany = (cap: number) =>
  new LedgerError("REQUEST_TOO_LARGE", `more than ${cap} tenancies in this window; zoom in (narrow from/to)`);

/**
 * Remembers a handful of answers (pages opened again, the pool page's two requests) by the log
 * position they reflect: a projection at one basis holds the same rows, whichever snapshot reads
 * it, so an answer stays right until the basis moves. Only for frozen local snapshots (`lean`).
 */
function answerCache(size = 16) {
  const answers = new Map<string, Promise<unknown>>();
  return async <T>(model: ReadModel, key: string, compute: () => T | Promise<T>): Promise<T> => {
    const full = `${JSON.stringify(await model.basis())} ${key}`;
    const known = answers.get(full) as Promise<T> | undefined;
    if (known) return known;
    if (answers.size >= size) answers.delete(answers.keys().next().value as string);
    const answer = Promise.resolve().then(compute);
    answers.set(full, answer);
    answer.catch(() => answers.delete(full));
    return answer;
  };
}

/** A log whose reads are counted: verify's progress without touching verifyLedger. */
function countingLog(log: EventLog, onRead: (events: number) => void): EventLog {
  let read = 0;
  return Object.assign(Object.create(log) as EventLog, {
    read: async (partition: number, fromOffset: number, limit: number) => {
      const events = await log.read(partition, fromOffset, limit);
      read += events.length;
      onRead(read);
      return events;
    },
  });
}

/** How old a data directory's snapshot may get before the next request opens a newer one. */
export const REFRESH_MS = 5_000;
/** How long a replaced (or idle) snapshot stays open for the requests still reading it. */
export const RETIRE_MS = 120_000;

/**
 * The audit source of a data directory reads one frozen snapshot (every page of an answer agrees).
 * A console runs for days, so it opens a newer snapshot when the current one is older than
 * `refreshMs`, and closes the old one once the requests reading it are long done. An idle
 * console lets its snapshot go too: a read transaction held for days would stop SQLite from
 * checkpointing the agent's write-ahead log, which would grow without end.
 */
async function freshSource(
  options: ReadModelOptions,
  refreshMs: number,
  retireMs: number,
): Promise<{ current(): Promise<ReadModel>; close(): Promise<void> }> {
  const retiring = new Set<ReadModel>();
  const retire = (old: ReadModel) => {
    retiring.add(old);
    setTimeout(() => void old.close().finally(() => retiring.delete(old)), retireMs).unref();
  };
  let source: ReadModel | undefined;
  let openedAt = 0;
  let opening: Promise<ReadModel> | undefined;
  const adopt = (next: ReadModel): ReadModel => {
    if (source) retire(source);
    source = next;
    openedAt = Date.now();
    if (Number.isFinite(refreshMs))
      setTimeout(() => {
        if (source !== next) return;
        source = undefined; // unused since it went stale: the next request opens a fresh one
        retire(next);
      }, refreshMs + retireMs).unref();
    return next;
  };
  adopt(await openReadModel(options));
  return {
    async current() {
      if (source && Date.now() - openedAt < refreshMs) return source;
      opening ??= openReadModel(options)
        .then(adopt)
        .finally(() => (opening = undefined));
      return opening;
    },
    async close() {
      await Promise.all([...(source ? [source] : []), ...retiring].map((each) => each.close()));
      retiring.clear();
      source = undefined;
    },
  };
}

/**
 * Opens the console's data from the same options the query commands take.
 *
 * @example const data = await openConsoleData({ dataDir: "/var/lib/ipledger" }); … await data.close();
 */
export async function openConsoleData(
  options: ReadModelOptions,
  refreshMs = REFRESH_MS,
  retireMs = RETIRE_MS,
): Promise<ConsoleData> {
  const read = readSourceOf(options);
  const kind = read.kind === "socket" ? "socket" : "local";
  const live = await freshSource(options, read.kind === "dataDir" ? refreshMs : Number.POSITIVE_INFINITY, retireMs);
  const remember = answerCache();
  // Every call takes the newest snapshot; one request's pages all come from the one it started with.
  const source: ReadModel = {
    basis: async () => (await live.current()).basis(),
    pools: async () => (await live.current()).pools(),
    who: async (...args) => (await live.current()).who(...args),
    whoCidr: async function* (...args) {
      yield* (await live.current()).whoCidr(...args);
    },
    tenancies: async function* (...args) {
      yield* (await live.current()).tenancies(...args);
    },
    events: async function* (...args) {
      yield* (await live.current()).events(...args);
    },
    poolState: async (...args) => (await live.current()).poolState(...args),
    attribute: async (...args) => (await live.current()).attribute(...args),
    allowlist: async (...args) => (await live.current()).allowlist(...args),
    close: () => live.close(),
  };
  return {
    kind,
    basis: () => source.basis(),
    who: (ip, atMs) => source.who(ip, atMs),
    whoCidr: async (cidr, atMs, limit) => {
      const { rows, more } = await collect(source.whoCidr(cidr, atMs), limit);
      return { holders: rows, more };
    },
    tenancies: async (filter, limit) => {
      const { rows, more } = await collect(source.tenancies(filter), limit);
      return { holders: rows, more };
    },
    eachTenancyPage: (filter) => source.tenancies(filter),
    events: async (filter, limit) => {
      const { rows, more } = await collect(source.events(filter), limit);
      return { events: rows, more };
    },
    poolState: (pool, atMs, domain) => source.poolState(pool, atMs, domain),
    poolView: async (pool, atMs, domain) => {
      const model = await live.current();
      const lean = model.lean;
      if (!lean) {
        const state = await model.poolState(pool, atMs, domain);
        return { ...state, rows: async (from, to) => state.holders.slice(from, to) };
      }
      const cells = await remember(model, JSON.stringify(["pool", pool, atMs, domain]), () =>
        lean.poolCells(pool, atMs, domain),
      );
      return {
        ...cells,
        rows: async (from, to) => lean.holders(cells.holders.slice(from, to).map((cell) => cell.id)),
      };
    },
    remember: async (key, compute) => {
      const model = await live.current();
      return model.lean ? remember(model, JSON.stringify(key), compute) : compute();
    },
    spans: async (filter, cap) => {
      const model = await live.current();
      const lean = model.lean;
      if (!lean) {
        const { rows, more } = await collect(model.tenancies(filter), cap);
        if (more) throw tooMany(cap);
        return { spans: rows.map(spanOf), rows: async (from, to) => rows.slice(from, to) };
      }
      const spans = await remember(model, JSON.stringify(["spans", filter]), () => lean.spans(filter));
      if (spans.length > cap) throw tooMany(cap);
      return { spans, rows: async (from, to) => lean.holders(spans.slice(from, to).map((span) => span.id)) };
    },
    attribute: (probes) => source.attribute(probes),
    verify: async (onRead) => {
      if (kind === "socket")
        throw new LedgerError(
          "INVALID_REQUEST",
          "verify reads the log itself: start the console with --data-dir or --kafka",
        );
      const dataDir = resolve(options.dataDir);
      if (read.kind === "dataDir" && !existsSync(read.projectionPath))
        throw new LedgerError("NOT_FOUND", `no ledger in ${dataDir}`);
      const log = await openCommandLog(options, dataDir);
      try {
        return await verifyLedger(countingLog(log, onRead));
      } finally {
        await log.close();
      }
    },
    close: () => source.close(),
  };
}
