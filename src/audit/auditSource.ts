import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { LedgerError } from "../../ledger/core/index.js";
import { replayLog } from "../../projections/replay.js";
import { openSqliteProjection } from "../../projections/sqlite/sqliteProjection.js";
import { PROJECTION_FILE } from "../dataFiles.js";
import { openCommandLog, usesKafka } from "../cli/commands/logOptions.js";
import { openProjectionSnapshot, type ProjectionSnapshot } from "./projectionSnapshot.js";
import { agentAuditSource } from "./agentAuditSource.js";
import type { AuditSource, AuditSourceOptions } from "./auditSourcePort.js";

export type { AuditSource, AuditSourceOptions };

const PAGE = 5_000;

function snapshotSource(snapshot: ProjectionSnapshot, cleanup: () => void = () => undefined): AuditSource {
  const { queries } = snapshot;
  const resolver = queries.attributionResolver();
  async function* pages<T>(
    read: (after: string | undefined) => { rows: T[]; next: string | null },
  ): AsyncGenerator<T[]> {
    for (let page = read(undefined); ; page = read(page.next as string)) {
      yield page.rows;
      if (page.next === null) return;
    }
  }
  return {
    basis: async () => queries.basis(),
    who: async (ip, atMs, domain) => queries.holdersAt(ip, atMs, domain),
    whoCidr: (cidr, atMs, domain) =>
      pages((after) =>
        queries.holdersInCidr(cidr, atMs, { limit: PAGE, after, ...(domain !== undefined ? { domain } : {}) }),
      ),
    tenancies: (filter) => pages((after) => queries.tenancyPage(filter, { limit: PAGE, after })),
    events: (filter) => pages((after) => queries.eventPage(filter, { limit: PAGE, after })),
    poolState: async (pool, atMs, domain) => queries.poolState(pool, atMs, domain),
    attribute: async (probes) => probes.map((probe) => resolver.resolve(probe.ip, probe.atMs)),
    close: async () => {
      snapshot.close();
      cleanup();
    },
  };
}

/** Waits until the projection's checkpoints reach the end the log had when asked. */
async function waitForProjection(options: AuditSourceOptions, projectionPath: string): Promise<void> {
  const log = await openCommandLog(options, options.dataDir);
  let ends;
  try {
    ends = await log.endOffsets();
  } finally {
    await log.close();
  }
  const timeoutMs = options.consistentTimeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  const db = new Database(projectionPath, { readonly: true, fileMustExist: true });
  try {
    for (;;) {
      const reached = new Map(
        (
          db.prepare("SELECT partition, next_offset AS next FROM checkpoints").all() as {
            partition: number;
            next: number;
          }[]
        ).map((row) => [row.partition, row.next]),
      );
      const behind = [...ends].reduce(
        (sum, [partition, end]) => sum + Math.max(0, end - (reached.get(partition) ?? 0)),
        0,
      );
      if (behind === 0) return;
      if (Date.now() > deadline) {
        throw new LedgerError(
          "NOT_READY",
          `the projection ${projectionPath} is still ${behind} events behind the log after ${timeoutMs} ms; is the agent running on this data directory? (without an agent, ipledger replay rebuilds it)`,
        );
      }
      await new Promise((done) => setTimeout(done, 50));
    }
  } finally {
    db.close();
  }
}

/** Replays a Kafka log into a temporary projection and answers from it; `close()` removes it. */
async function kafkaSource(options: AuditSourceOptions): Promise<AuditSource> {
  const log = await openCommandLog(options, options.dataDir);
  const scratch = mkdtempSync(join(tmpdir(), "ipledger-audit-"));
  const path = join(scratch, PROJECTION_FILE);
  const remove = () => rmSync(scratch, { recursive: true, force: true });
  try {
    const projection = openSqliteProjection(path);
    try {
      await replayLog(log, projection);
    } finally {
      projection.close();
    }
    return snapshotSource(openProjectionSnapshot(path), remove);
  } catch (error) {
    remove();
    throw error;
  } finally {
    await log.close();
  }
}

/**
 * Opens the source the options name: `--socket` (ask the agent), `--kafka` (replay the topic),
 * or the data directory's projection.
 *
 * @example const source = await openAuditSource({ dataDir, topic, kafkaPartitions: 6 }); try { … } finally { await source.close() }
 */
export async function openAuditSource(options: AuditSourceOptions): Promise<AuditSource> {
  if (options.socket && usesKafka(options))
    throw new LedgerError(
      "INVALID_REQUEST",
      "pass either --socket (ask an agent) or --kafka (read the log), not both",
      { key: "--socket" },
    );
  if (options.socket) return agentAuditSource(options.socket, options);
  if (usesKafka(options)) return kafkaSource(options);
  const path = join(resolve(options.dataDir), PROJECTION_FILE);
  if (!existsSync(path)) {
    throw new LedgerError(
      "NOT_FOUND",
      `no projection at ${path}; pass the agent's --data-dir, or --socket to ask a running agent, or --kafka to replay the log`,
    );
  }
  if (options.consistent) await waitForProjection(options, path);
  return snapshotSource(openProjectionSnapshot(path));
}
