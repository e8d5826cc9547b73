import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { LedgerError } from "../../ledger/core/index.js";
import { createProjectionRunner } from "../../projections/runner.js";
import { openSqliteProjection } from "../../projections/sqlite/sqliteProjection.js";
import { PROJECTION_FILE } from "../dataFiles.js";
import { askAgent } from "../http/agentClient.js";
import { openCommandLog, usesKafka, type LogOptions } from "../cli/commands/logOptions.js";
import { createAllowlistQueries, type AllowHolder, type AllowlistSelector } from "./allowlistQuery.js";

/** Where an allow-list's holders come from: a running agent, the data directory, or a Kafka log. */
export interface AllowlistSource {
  holders(selector: AllowlistSelector, atMs?: number): Promise<AllowHolder[]>;
  close(): Promise<void>;
}

export interface AllowlistSourceOptions extends LogOptions {
  readonly socket?: string;
  readonly dataDir: string;
}

/**
 * Opens the source the options name: `--socket` asks the agent (`GET /v1/allowlist`), `--kafka`
 * folds the topic into a temporary projection that keeps tailing it (so `--watch` sees new
 * events), otherwise the projection in `--data-dir` is read as the agent keeps it.
 *
 * @example const source = await openAllowlistSource({ dataDir: "/var/lib/ipledger", topic: "ipledger-events", kafkaPartitions: 6 });
 */
export async function openAllowlistSource(options: AllowlistSourceOptions): Promise<AllowlistSource> {
  if (options.socket && usesKafka(options))
    throw new LedgerError("INVALID_REQUEST", "pass either --socket (ask an agent) or --kafka (read the log), not both");
  if (options.socket) return agentSource(options.socket);
  if (usesKafka(options)) return kafkaSource(options);
  const path = join(resolve(options.dataDir), PROJECTION_FILE);
  if (!existsSync(path))
    throw new LedgerError(
      "NOT_FOUND",
      `no projection at ${path}; pass the agent's --data-dir, --socket to ask a running agent, or --kafka`,
    );
  const db = new Database(path, { readonly: true, fileMustExist: true });
  const queries = createAllowlistQueries(db);
  return { holders: async (selector, atMs) => queries.holders(selector, atMs), close: async () => void db.close() };
}

function agentSource(socket: string): AllowlistSource {
  return {
    async holders(selector, atMs) {
      const query = new URLSearchParams();
      for (const [key, value] of Object.entries(selector)) if (value !== undefined) query.set(key, String(value));
      if (atMs !== undefined) query.set("at", String(atMs));
      return (await askAgent<{ holders: AllowHolder[] }>(socket, `/v1/allowlist?${query}`)).holders;
    },
    close: async () => undefined,
  };
}

async function kafkaSource(options: AllowlistSourceOptions): Promise<AllowlistSource> {
  const log = await openCommandLog(options, options.dataDir);
  const scratch = mkdtempSync(join(tmpdir(), "ipledger-allowlist-"));
  const projection = openSqliteProjection(join(scratch, PROJECTION_FILE));
  const runner = createProjectionRunner({ log, projection });
  const close = async (): Promise<void> => {
    await runner.stop();
    await log.close();
    projection.close();
    rmSync(scratch, { recursive: true, force: true });
  };
  try {
    await runner.start();
    await runner.waitForCatchUp(10 * 60_000);
  } catch (error) {
    await close();
    throw error;
  }
  const queries = createAllowlistQueries(projection.db);
  return { holders: async (selector, atMs) => queries.holders(selector, atMs), close };
}
