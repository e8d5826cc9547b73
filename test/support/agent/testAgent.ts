import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { LoggedEvent, UnchainedEvent } from "../../../ledger/core/index.js";
import type { EventLog } from "../../../ledger/log/eventLog.js";
import { openSqliteEventLog } from "../../../ledger/log/sqliteEventLog.js";
import { createProjectionRunner, type ProjectionRunner } from "../../../projections/runner.js";
import { openSqliteProjection, type SqliteProjection } from "../../../projections/sqlite/sqliteProjection.js";
import { createQueries, type Queries } from "../../../projections/sqlite/queries.js";
import { LOG_FILE, PROJECTION_FILE } from "../../../src/agent.js";
import { createCniService, type CniService, type ServiceLogger } from "../../../src/cni/cniService.js";
import type { FlatFileOptions } from "../../../src/cni/flatFile.js";
import { buildApp } from "../../../src/http/app.js";
import { createMetrics, type Metrics } from "../../../src/metrics.js";
import { watchPoolGauges } from "../../../src/poolGauges.js";
import { watchClockSkew } from "../../../src/clockSkew.js";

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

/** The agent's parts on a fresh data dir, wired as `src/agent.ts` wires them, minus the listeners. */
export interface TestAgent {
  readonly dataDir: string;
  /** The API with unix-socket auth (every caller is admin); use `app.inject()`. */
  readonly app: FastifyInstance;
  /** The real SQLite event log (`<dataDir>/ledger.db`). */
  readonly log: EventLog;
  readonly projection: SqliteProjection;
  readonly runner: ProjectionRunner;
  readonly service: CniService;
  readonly metrics: Metrics;
  readonly queries: Queries;
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
 * Starts the agent's pieces on a `mkdtemp` data dir: the SQLite log and projection, the runner
 * (started and caught up), the CNI service, queries, metrics and `buildApp` with socket auth.
 *
 * @example
 *   const agent = await startTestAgent();
 *   const reply = await agent.app.inject({ method: "POST", url: "/v1/cni/add", payload: cniBody() });
 *   await agent.close();
 */
export async function startTestAgent(options: TestAgentOptions = {}): Promise<TestAgent> {
  const dataDir = mkdtempSync(join(tmpdir(), "ipledger-agent-int-"));
  const log = openSqliteEventLog({ path: join(dataDir, LOG_FILE), pollIntervalMs: 50 });
  const projection = openSqliteProjection(join(dataDir, PROJECTION_FILE));
  const metrics = createMetrics();
  const runner = createProjectionRunner({
    log,
    projection,
    onError: (error) => console.error("test agent: log tail failed", error),
  });
  await runner.start();
  await runner.waitForCatchUp(10_000);

  const agent = {} as TestAgent;
  // The service appends through this wrapper so a test can interleave a rival writer.
  const interceptedLog: EventLog = {
    ...log,
    append: async (domain, events) => {
      await agent.beforeAppend?.(domain, events);
      return log.append(domain, events);
    },
  };
  const service = createCniService({
    log: interceptedLog,
    runner,
    node: options.node ?? "node-int",
    appendTimeoutMs: options.appendTimeoutMs ?? 5_000,
    ...(options.now ? { now: options.now } : {}),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
    ...(options.flatFile ? { flatFile: options.flatFile } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    onAllocated: (count) => metrics.allocations.inc(count),
    onReleased: (count) => metrics.releases.inc(count),
    onVoided: () => metrics.voided.inc(),
  });
  const stopPoolGauges = watchPoolGauges(runner, metrics);
  const stopSkew = watchClockSkew(runner, metrics, options.logger, {
    ...(options.clockSkewWarnMs !== undefined ? { thresholdMs: options.clockSkewWarnMs } : {}),
  });
  const stopGauges = (): void => {
    stopPoolGauges();
    stopSkew();
  };
  const queries = createQueries(projection.db);
  const app = buildApp({ service, queries, runner, metrics, auth: { kind: "socket" } });
  await app.ready();

  let closed = false;
  return Object.assign(agent, {
    dataDir,
    app,
    log,
    projection,
    runner,
    service,
    metrics,
    queries,
    beforeAppend: undefined,
    events: () => readAll(log),
    logSize: async () => [...(await log.endOffsets()).values()].reduce((sum, end) => sum + end, 0),
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      try {
        await app.close();
        stopGauges();
        await runner.stop();
        await log.close();
        projection.close();
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
