import { chmodSync, constants, existsSync, mkdirSync, rmSync } from "node:fs";
import { LOG_FILE, PROJECTION_FILE, SNAPSHOT_DIR } from "./dataFiles.js";
import { dirname, join, resolve } from "node:path";
import { hostname } from "node:os";
import pino from "pino";
import type { FastifyInstance } from "fastify";
import { LedgerError } from "../ledger/core/index.js";
import { accessError, fileExists } from "../ledger/log/fileAccess.js";
import { openSqliteEventLog } from "../ledger/log/sqliteEventLog.js";
import type { EventLog } from "../ledger/log/eventLog.js";
import { createProjectionRunner } from "../projections/runner.js";
import { openCheckedProjection } from "./projectionAtStart.js";
import { createQueries } from "../projections/sqlite/queries.js";
import { createCniService } from "./cni/cniService.js";
import { buildApp } from "./http/app.js";
import { applyListenerLimits, SOCKET_LIMITS, TCP_LIMITS, type ListenerLimits } from "./http/listenerLimits.js";
import { lockDataDir, type DataDirLock } from "./dataDirLock.js";
import { freeSocketPath } from "./socketGuard.js";
import { loadTokenFile } from "./http/auth.js";
import { createMetrics } from "./metrics.js";
import { watchFoldLag } from "./foldLagGauge.js";
import { watchPoolGauges } from "./poolGauges.js";
import { watchClockSkew } from "./clockSkew.js";
import { DEFAULT_FLAT_FILE_DIRS } from "./cni/flatFile.js";
import { startCheckpointSigner } from "./audit/checkpointSigner.js";
import { loadSigningKey } from "./audit/signingKeys.js";
import { createAllowlistQueries } from "./operator/allowlistQuery.js";
import { createOperatorService } from "./operator/operatorService.js";
import { openSnapshotStore } from "./snapshots/snapshotStore.js";
import { chooseFoldStart } from "./snapshots/foldStart.js";
import { startSnapshotSchedule } from "./snapshots/snapshotSchedule.js";

export interface AgentOptions {
  readonly dataDir: string;
  readonly socket: string;
  readonly node?: string;
  /** `HOST:PORT` for an optional TCP listener; needs `tokenFile`. */
  readonly listen?: string;
  readonly tokenFile?: string;
  readonly appendTimeoutMs?: number;
  readonly log?: EventLog;
  readonly quiet?: boolean;
  /** An ed25519 private key (PEM, mode 0600): the agent then appends signed checkpoints. */
  readonly signingKey?: string;
  /** How often signed checkpoints are appended; default 300 000 ms. */
  readonly checkpointIntervalMs?: number;
  /** More directories `configuration_path` may name flat files in (Whereabouts' defaults always apply). */
  readonly flatFileDirs?: readonly string[];
  /** Events stamped further ahead of this agent's clock are logged and counted; default 60 000 ms. */
  readonly clockSkewWarnMs?: number;
  /** Limits of the TCP listener (default `TCP_LIMITS`); the unix socket keeps its own. */
  readonly tcpLimits?: Partial<ListenerLimits>;
  /** `/healthz` fails once the fold has not advanced for this long while the log is ahead; default 60 000 ms. */
  readonly stallBoundMs?: number;
  /** Write a fold snapshot after this many more events (and at clean shutdown); 0 turns snapshots off. Default 100 000. */
  readonly snapshotEveryEvents?: number;
}

export { LOG_FILE, PROJECTION_FILE, SNAPSHOT_DIR };

/**
 * Starts an agent: opens the embedded log and the projection, folds the log, then serves the
 * API on a root-only unix socket (mode 0600) and, when asked, on TCP behind bearer tokens.
 *
 * @example
 *   const agent = await startAgent({ dataDir: "./.ipledger", socket: "./.ipledger/agent.sock" });
 *   await agent.close();
 */
export async function startAgent(options: AgentOptions) {
  const logger = pino(
    { level: options.quiet ? "warn" : "info", redact: ["*.token", "*.authorization"] },
    pino.destination(2),
  );
  const dataDir = resolve(options.dataDir);
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw accessError(error, dataDir, "create the data directory");
  }
  // A data directory the agent cannot write would let it report ready, then fail every ADD.
  fileExists(dataDir, constants.W_OK | constants.X_OK);
  const node = options.node ?? process.env.NODENAME ?? hostname();
  const auth = options.listen ? (options.tokenFile ? loadTokenFile(options.tokenFile) : undefined) : undefined;
  if (options.listen && !auth)
    throw new LedgerError("INVALID_CONFIG", "--listen needs --token-file: a TCP listener without a token is refused", {
      key: "--token-file",
    });

  let lock: DataDirLock;
  try {
    lock = lockDataDir(dataDir);
  } catch (error) {
    await options.log?.close();
    throw error;
  }
  const cleanups: (() => Promise<void> | void)[] = [() => lock.release()];
  try {
    const log = options.log ?? openSqliteEventLog({ path: join(dataDir, LOG_FILE) });
    cleanups.push(() => log.close());
    return await serve(options, { log, dataDir, node, auth, logger, cleanups, lock });
  } catch (error) {
    // Whatever opened before the failure is closed, so a failed start leaves nothing behind.
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
    throw error;
  }
}

interface Opened {
  readonly log: EventLog;
  readonly dataDir: string;
  readonly node: string;
  readonly auth: ReturnType<typeof loadTokenFile> | undefined;
  readonly logger: pino.Logger;
  readonly cleanups: (() => Promise<void> | void)[];
  readonly lock: DataDirLock;
}

async function serve(options: AgentOptions, opened: Opened) {
  const { log, dataDir, node, auth, logger, cleanups, lock } = opened;
  const projection = await openCheckedProjection(log, join(dataDir, PROJECTION_FILE), logger);
  cleanups.push(() => projection.close());
  const metrics = createMetrics();
  let reportFatal: (error: unknown) => void = () => undefined;
  const fatal = new Promise<unknown>((resolve) => (reportFatal = resolve));
  const snapshotEvery = options.snapshotEveryEvents ?? 100_000;
  const snapshots = snapshotEvery > 0 ? openSnapshotStore(join(dataDir, SNAPSHOT_DIR)) : undefined;
  const initial = snapshots
    ? await chooseFoldStart(snapshots, log, projection, (message) => logger.warn(message))
    : undefined;
  if (initial) logger.info({ snapshot: initial.path, events: initial.events }, "fold starts from a snapshot");
  const runner = createProjectionRunner({
    log,
    projection,
    stallBoundMs: options.stallBoundMs ?? 60_000,
    onError: (error) =>
      logger.error(
        { err: error },
        "the fold failed; it retries, restarting from the projection's checkpoints when a write failed",
      ),
    onFatal: (error) => {
      logger.fatal({ err: error }, "the fold cannot recover; the agent must be restarted");
      reportFatal(error);
    },
    ...(initial ? { initial } : {}),
  });
  cleanups.push(() => runner.stop());
  await runner.start();
  await runner.waitForCatchUp(10 * 60_000);
  const snapshotting = snapshots
    ? startSnapshotSchedule({
        fold: runner,
        store: snapshots,
        everyEvents: snapshotEvery,
        ...(initial ? { startedAt: initial.events } : {}),
        onWritten: (written) => logger.info(written, "snapshot written"),
        onError: (error) =>
          logger.error({ err: error }, "snapshot failed; the agent keeps serving and tries again later"),
      })
    : undefined;
  cleanups.push(() => snapshotting?.stop({ final: false }));
  const service = createCniService({
    log,
    runner,
    node,
    appendTimeoutMs: options.appendTimeoutMs ?? 5_000,
    onAllocated: (count) => metrics.allocations.inc(count),
    onReleased: (count) => metrics.releases.inc(count),
    onVoided: () => metrics.voided.inc(),
    flatFile: { dirs: [...DEFAULT_FLAT_FILE_DIRS, ...(options.flatFileDirs ?? []).map((dir) => resolve(dir))] },
    logger: logger.child({ component: "cni" }),
    onRollbackFailed: (error) =>
      logger.error({ err: error }, "could not release the claim of a failed ADD; ipledger gc or a DEL releases it"),
  });
  const stopPoolGauges = watchPoolGauges(runner, metrics);
  const stopLagGauge = watchFoldLag(log, runner, metrics);
  const stopSkew = watchClockSkew(runner, metrics, logger.child({ component: "fold" }), {
    ...(options.clockSkewWarnMs !== undefined ? { thresholdMs: options.clockSkewWarnMs } : {}),
  });
  const stopGauges = (): void => {
    stopPoolGauges();
    stopLagGauge();
    stopSkew();
  };
  const signer = options.signingKey
    ? startCheckpointSigner({
        log,
        runner,
        privateKey: loadSigningKey(options.signingKey),
        actor: { node, component: "agent" },
        intervalMs: options.checkpointIntervalMs ?? 300_000,
        onError: (error) => logger.error({ err: error }, "signed checkpoint failed; retrying next interval"),
      })
    : undefined;
  cleanups.push(() => signer?.stop());
  const operator = {
    service: createOperatorService({
      log,
      runner,
      node,
      component: "agent",
      appendTimeoutMs: Math.max(10_000, options.appendTimeoutMs ?? 5_000),
    }),
    allowlist: createAllowlistQueries(projection.db),
  };
  const deps = { service, queries: createQueries(projection.db), runner, metrics, operator };

  const servers: FastifyInstance[] = [];
  const socketPath = resolve(options.socket);
  mkdirSync(dirname(socketPath), { recursive: true, mode: 0o700 });
  await freeSocketPath(socketPath);
  const socketApp = buildApp({ ...deps, auth: { kind: "socket" } });
  applyListenerLimits(socketApp.server, SOCKET_LIMITS);
  cleanups.push(() => socketApp.close());
  await socketApp.listen({ path: socketPath });
  chmodSync(socketPath, 0o600);
  servers.push(socketApp);
  let tcpAddress: string | undefined;
  if (options.listen && auth) {
    const [host, port] = splitHostPort(options.listen);
    const tcpApp = buildApp({ ...deps, auth });
    applyListenerLimits(tcpApp.server, { ...TCP_LIMITS, ...options.tcpLimits });
    cleanups.push(() => tcpApp.close());
    tcpAddress = await tcpApp.listen({ host, port });
    servers.push(tcpApp);
  }
  logger.info({ socket: socketPath, tcp: tcpAddress, node, dataDir, log: log.kind }, "ipledger agent listening");

  let closed = false;
  return {
    socketPath,
    tcpAddress,
    runner,
    service,
    /** Resolves with the error once the fold gave up: the process should exit non-zero. */
    fatal,
    /** The snapshot the fold started from, when one was usable. */
    startedFrom: initial ? { snapshot: initial.path, events: initial.events } : undefined,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const server of servers) await server.close();
      await signer?.stop();
      stopGauges();
      await runner.stop();
      snapshotting?.stop({ final: true });
      await log.close();
      projection.close();
      if (existsSync(socketPath)) rmSync(socketPath);
      lock.release(); // last: no other agent may start while this one still writes
    },
  };
}

export type Agent = Awaited<ReturnType<typeof serve>>;

function splitHostPort(text: string): [string, number] {
  const match = /^(.*):(\d+)$/.exec(text);
  if (!match) throw new Error(`--listen ${text} must be HOST:PORT, e.g. 127.0.0.1:9740`);
  return [(match[1] as string).replace(/^\[|\]$/g, ""), Number(match[2])];
}
