import { LedgerError } from "../core/errors.js";
import type { LedgerEvent, LoggedEvent } from "../core/events.js";
import type { AppendResult, EndOffsets, EventLog, NewEvent, Tail } from "./eventLog.js";
import { GENESIS_HASH, chainBatch } from "./hashChain.js";
import { openLogDatabase, prepareLogStatements } from "./sqliteLogDatabase.js";
import { sqliteLogError } from "./sqliteLogErrors.js";
import { startTrackedTail } from "./tailLoop.js";

export interface SqliteEventLogOptions {
  /** The database file; created with its schema when missing. Its folder must exist. */
  readonly path: string;
  /** How often tails look for events appended by other processes. Default 200 ms. */
  readonly pollIntervalMs?: number;
  /** How long an append waits for another process's write lock. Default 5000 ms. */
  readonly busyTimeoutMs?: number;
}

/**
 * Opens (creating and migrating if needed) the embedded SQLite event log.
 *
 * - Ordering: appends are committed in call order. The appends made in one turn of the event
 *   loop share one `BEGIN IMMEDIATE` transaction (group commit: one fsync for many allocations),
 *   each in its own savepoint; the write lock is taken before any partition head is read, so
 *   appends from several processes on one file (the agent and a CLI) get contiguous offsets and an
 *   unbroken hash chain.
 * - Durability: WAL with `synchronous=FULL`, so a resolved append survives a crash and a power
 *   loss. NORMAL would be faster but could lose the last appends on power loss, after the agent
 *   already answered the runtime with the address: a duplicate waiting to happen.
 * - Duplicates: the log never writes a batch twice; a caller retrying after an error may, and the
 *   fold ignores a repeated event id. The file must be on a local disk (WAL needs shared memory).
 * - Append-only: triggers refuse UPDATE and DELETE; edits that bypass them break the hash chain.
 * - Tails: appends through this instance wake its tails at once; appends by other connections are
 *   noticed by polling `PRAGMA data_version` every `pollIntervalMs`.
 * - Errors: SQLite failures become `LedgerError("LOG_UNAVAILABLE")` naming the file and the fix.
 * - Blocking: better-sqlite3 is synchronous, so an append waiting for another process's lock
 *   blocks this thread for up to `busyTimeoutMs`; keep other writers' transactions short.
 *
 * @example
 *   const log = openSqliteEventLog({ path: "/var/lib/ipledger/ledger.db" });
 *   const { partition, lastOffset } = await log.append("", [event]);
 *   await log.close();
 */
export function openSqliteEventLog(options: SqliteEventLogOptions) {
  const { path, pollIntervalMs = 200, busyTimeoutMs = 5000 } = options;
  const guard = <T>(run: () => T): T => {
    try {
      return run();
    } catch (error) {
      throw sqliteLogError(path, busyTimeoutMs, error);
    }
  };
  const db = guard(() => openLogDatabase(path, busyTimeoutMs));
  const sql = prepareLogStatements(db);
  const partitionCache = new Map<string, number>(); // assignments are permanent (triggers)
  const wakers = new Set<() => void>();
  const tails = new Set<Tail>();
  let poller: ReturnType<typeof setInterval> | undefined;
  let closing: Promise<void> | undefined;

  const ensureOpen = () => {
    if (closing) throw new LedgerError("LOG_UNAVAILABLE", `the event log ${path} is closed; open it again`);
  };
  const wakeAll = () => wakers.forEach((wake) => wake());

  const partitionInTransaction = (domain: string): number =>
    ((sql.partitionOf.get(domain) ?? sql.createPartition.get(domain)) as { partition: number }).partition;
  const createPartition = db.transaction(partitionInTransaction);
  const appendBatch = db.transaction((domain: string, events: readonly NewEvent[]): AppendResult => {
    const partition = partitionInTransaction(domain);
    const head = sql.head.get(partition) as { offset: number; hash: string } | undefined;
    const chained = chainBatch(head?.hash ?? GENESIS_HASH, domain, events);
    const firstOffset = head === undefined ? 0 : head.offset + 1;
    for (const [index, e] of chained.entries()) {
      sql.insert.run(partition, firstOffset + index, e.id, e.type, e.domain, e.pool, e.at, JSON.stringify(e), e.hash);
    }
    return { partition, firstOffset, lastOffset: firstOffset + chained.length - 1 };
  });

  // Group commit: appends made in the same turn of the event loop share one transaction (and one
  // fsync). Each keeps its own savepoint, so a refused batch does not take the others with it.
  interface Queued {
    readonly domain: string;
    readonly events: readonly NewEvent[];
    readonly resolve: (result: AppendResult) => void;
    readonly reject: (error: unknown) => void;
  }
  let queue: Queued[] = [];
  const commitGroup = db.transaction((group: readonly Queued[]) =>
    group.map((item) => {
      try {
        return { ok: appendBatch(item.domain, item.events) };
      } catch (error) {
        return { error };
      }
    }),
  );
  const flush = () => {
    const group = queue;
    queue = [];
    let outcomes: ({ ok: AppendResult } | { error: unknown })[];
    try {
      outcomes = commitGroup.immediate(group);
    } catch (error) {
      const failure = sqliteLogError(path, busyTimeoutMs, error);
      group.forEach((item) => item.reject(failure));
      return;
    }
    group.forEach((item, index) => {
      const outcome = outcomes[index] as { ok: AppendResult } | { error: unknown };
      if ("ok" in outcome) {
        partitionCache.set(item.domain, outcome.ok.partition);
        item.resolve(outcome.ok);
      } else item.reject(sqliteLogError(path, busyTimeoutMs, outcome.error));
    });
    wakeAll();
  };

  // Other connections' commits change data_version; this connection's own commits do not.
  let dataVersion = -1;
  const poll = () => {
    try {
      const version = db.pragma("data_version", { simple: true }) as number;
      if (version !== dataVersion) wakeAll();
      dataVersion = version;
    } catch {
      wakeAll(); // let the tails read, fail and report the error themselves
    }
  };
  const subscribe = (wake: () => void) => {
    wakers.add(wake);
    poller ??= setInterval(poll, pollIntervalMs);
    return () => {
      wakers.delete(wake);
      if (wakers.size > 0) return;
      clearInterval(poller);
      poller = undefined;
    };
  };

  const log = {
    kind: "sqlite",

    async partitionFor(domain: string): Promise<number> {
      ensureOpen();
      let partition = partitionCache.get(domain);
      if (partition === undefined) {
        // Only a new domain needs the write lock; most lookups find an existing assignment.
        const existing = guard(() => sql.partitionOf.get(domain)) as { partition: number } | undefined;
        partition = existing?.partition ?? guard(() => createPartition.immediate(domain));
        partitionCache.set(domain, partition);
      }
      return partition;
    },

    append(domain: string, events: readonly NewEvent[]): Promise<AppendResult> {
      return new Promise<AppendResult>((resolve, reject) => {
        ensureOpen();
        queue.push({ domain, events, resolve, reject });
        if (queue.length === 1) setImmediate(flush);
      });
    },

    async read(partition: number, fromOffset: number, limit: number): Promise<LoggedEvent[]> {
      ensureOpen();
      if (limit <= 0) return [];
      const rows = guard(() => sql.read.all(partition, Math.max(0, fromOffset), limit)) as {
        offset: number;
        body: string;
      }[];
      return rows.map(({ offset, body }) => ({ partition, offset, event: parseBody(path, partition, offset, body) }));
    },

    async endOffsets(): Promise<EndOffsets> {
      ensureOpen();
      const rows = guard(() => sql.endOffsets.all()) as { partition: number; next: number }[];
      return new Map(rows.map((row) => [row.partition, row.next]));
    },

    tail(from, handler, tailOptions): Tail {
      ensureOpen();
      return startTrackedTail(
        tails,
        { endOffsets: log.endOffsets, read: log.read, subscribe },
        from,
        handler,
        tailOptions,
      );
    },

    close(): Promise<void> {
      // Appends already accepted are committed before the file closes.
      if (!closing && queue.length > 0) flush();
      closing ??= Promise.all([...tails].map((tail) => tail.stop())).then(() => {
        clearInterval(poller);
        db.close();
      });
      return closing;
    },
  } satisfies EventLog;
  return log;
}

function parseBody(path: string, partition: number, offset: number, body: string): LedgerEvent {
  try {
    return JSON.parse(body) as LedgerEvent;
  } catch (error) {
    const message = `event ${partition}/${offset} in ${path} is not valid JSON; the file was edited, run ipledger verify`;
    throw new LedgerError("INTEGRITY_VIOLATION", message, { cause: error });
  }
}
