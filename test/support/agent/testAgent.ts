import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import pino from "pino";
import type { LoggedEvent, UnchainedEvent } from "../../../ledger/core/index.js";
import type { EventLog } from "../../../ledger/log/eventLog.js";
import { openSqliteEventLog } from "../../../ledger/log/sqliteEventLog.js";
import type { ProjectionRunner } from "../../../projections/runner.js";
import type { SqliteProjection } from "../../../projections/sqlite/sqliteProjection.js";
import type { Queries } from "../../../projections/sqlite/queries.js";
import { assembleAgent, type AssembledAgent } from "../../../src/assembleAgent.js";
import type { CniService, ServiceLogger } from "../../../src/cni/cniService.js";
import type { FlatFileOptions } from "../../../src/cni/flatFile.js";
import { parseAgentConfig } from "../../../src/config.js";
import { LOG_FILE } from "../../../src/dataFiles.js";
import type { Metrics } from "../../../src/metrics.js";
import type { OperatorService } from "../../../src/operator/operatorService.js";

/** Runs before the service's append reaches the log: lets a test slip a rival write in first. */
export type BeforeAppend = (domain: string, events: readonly UnchainedEvent[]) => Promise<void>;

export interface TestAgentOptions {
  readonly node?: string;
  /** The service's clock; the wall clock when absent. */
  readonly now?: () => Date;
  readonly appendTimeoutMs?: number;
  readonly maxAttempts?: number;
  /** Where `configuration_path` may point; Whereabouts' directories when absent. */
  readonly flatFile?: FlatFileOptions;
  /** Receives the service's ADD lines and rollback failures; use `recordingLogger()`. */
  readonly logger?: ServiceLogger;
  /** The clock-skew warning threshold (the agent's --clock-skew-warn); 60 s when absent. */
  readonly clockSkewWarnMs?: number;
}

/** The agent's parts on a fresh data dir, wired by `assembleAgent` (as `ipledger agent` runs it), minus the listeners. */
export interface TestAgent {
  readonly dataDir: string;
  /** The API with unix-socket auth (every caller is admin); use `app.inject()`. */
  readonly app: FastifyInstance;
  /** The real SQLite event log (`<dataDir>/ledger.db`). */
  readonly log: EventLog;
  readonly projection: SqliteProjection;
  readonly runner: ProjectionRunner;
  readonly service: CniService;
  /** The operator service the admin routes of `app` use (same log, runner and clock). */
  readonly operator: OperatorService;
  readonly metrics: Metrics;
  readonly queries: Queries;
  /** Every part `assembleAgent` returned. */
  readonly assembled: AssembledAgent;
  /** Set to intercept the service's next appends (cleared by setting `undefined`). */
  beforeAppend: BeforeAppend | undefined;
  /** Every event in the log, partition by partition, in offset order. */
  events(): Promise<LoggedEvent[]>;
  /** The sum of the log's end offsets: how many records it holds. */
  logSize(): Promise<number>;
  /** Stops everything and removes the data dir. Idempotent. */
  close(): Promise<void>;
}

/**
 * Assembles an agent (`assembleAgent`) on a `mkdtemp` data dir: the SQLite log and projection, the
 * runner (started and caught up), the CNI and operator services, queries, metrics, and the app with
 * socket auth (every caller admin). Snapshots are off; nothing listens.
 *
 * @example
 *   const agent = await startTestAgent();
 *   const reply = await agent.app.inject({ method: "POST", url: "/v1/cni/add", payload: cniBody() });
 *   await agent.close();
 */
export async function startTestAgent(options: TestAgentOptions = {}): Promise<TestAgent> {
  const dataDir = mkdtempSync(join(tmpdir(), "ipledger-agent-int-"));
  const agent = {} as TestAgent;
  let assembled: AssembledAgent;
  try {
    const config = parseAgentConfig({
      dataDir,
      socket: join(dataDir, "agent.sock"), // never listened on: tests inject()
      node: options.node ?? "node-int",
      snapshotEveryEvents: 0,
      quiet: true,
      ...(options.appendTimeoutMs !== undefined ? { appendTimeoutMs: options.appendTimeoutMs } : {}),
      ...(options.clockSkewWarnMs !== undefined ? { clockSkewWarnMs: options.clockSkewWarnMs } : {}),
    });
    assembled = await assembleAgent(config, {
      // A short poll, so a test's rival writes reach the fold quickly.
      log: openSqliteEventLog({ path: join(dataDir, LOG_FILE), pollIntervalMs: 50 }),
      logger: pino({ level: "warn" }, pino.destination(2)),
      // The services append through this wrapper so a test can interleave a rival writer.
      appendThrough: (log) => ({
        ...log,
        append: async (domain, events) => {
          await agent.beforeAppend?.(domain, events);
          return log.append(domain, events);
        },
      }),
      ...(options.now ? { now: options.now } : {}),
      ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
      ...(options.flatFile ? { flatFile: options.flatFile } : {}),
      ...(options.logger ? { serviceLogger: options.logger } : {}),
    });
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const { log, socketApp: app } = assembled;
  await app.ready();

  let closed = false;
  return Object.assign(agent, {
    dataDir,
    app,
    log,
    projection: assembled.projection,
    runner: assembled.runner,
    service: assembled.service,
    operator: assembled.operator.service,
    metrics: assembled.metrics,
    queries: assembled.queries,
    assembled,
    beforeAppend: undefined,
    events: () => readAll(log),
    logSize: async () => [...(await log.endOffsets()).values()].reduce((sum, end) => sum + end, 0),
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      try {
        await assembled.stop();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  });
}

/** Every event of `log`, partition by partition. */
export async function readAll(log: EventLog): Promise<LoggedEvent[]> {
  const events: LoggedEvent[] = [];
  for (const [partition, end] of [...(await log.endOffsets())].sort(([a], [b]) => a - b)) {
    events.push(...(await log.read(partition, 0, end)));
  }
  return events;
}
