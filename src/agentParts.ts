import { join, resolve } from "node:path";
import pino from "pino";
import type { EventLog } from "../ledger/log/eventLog.js";
import { createProjectionRunner } from "../projections/runner.js";
import { createQueries } from "../projections/sqlite/queries.js";
import type { AgentPorts } from "./agentPorts.js";
import { startCheckpointSigner } from "./audit/checkpointSigner.js";
import type { loadSigningKey } from "./audit/signingKeys.js";
import { watchClockSkew } from "./clockSkew.js";
import { createCniService } from "./cni/cniService.js";
import { DEFAULT_FLAT_FILE_DIRS } from "./cni/flatFile.js";
import type { AgentConfig } from "./config.js";
import { PROJECTION_FILE, SNAPSHOT_DIR } from "./dataFiles.js";
import { watchFoldLag } from "./foldLagGauge.js";
import { buildApp } from "./http/app.js";
import type { loadTokenFile } from "./http/auth.js";
import { createMetrics } from "./metrics.js";
import { createAllowlistQueries } from "./operator/allowlistQuery.js";
import { createOperatorService } from "./operator/operatorService.js";
import { watchPoolGauges } from "./poolGauges.js";
import { openCheckedProjection } from "./projectionAtStart.js";
import { chooseFoldStart } from "./snapshots/foldStart.js";
import { openSnapshotStore } from "./snapshots/snapshotStore.js";
import { startSnapshotSchedule } from "./snapshots/snapshotSchedule.js";

const pinoLevels = pino.levels.values as { readonly warn: number };

interface Opened {
  readonly config: AgentConfig;
  readonly ports: AgentPorts;
  readonly log: EventLog;
  readonly dataDir: string;
  readonly logger: pino.Logger;
  readonly auth: ReturnType<typeof loadTokenFile> | undefined;
  /** The checkpoint signer's key, loaded before the fold so a bad key fails start-up at once. */
  readonly signingKey: ReturnType<typeof loadSigningKey> | undefined;
  /** Each part opened pushes its closing here, so a failed assembly can undo what it did. */
  readonly cleanups: (() => Promise<void> | void)[];
}

/** The agent's parts, in the order `assembleAgent` wires them; `shutdown` closes them in reverse. */
export async function openAgentParts(opened: Opened) {
  const { config, ports, log, dataDir, logger, auth, signingKey, cleanups } = opened;
  const node = config.node;
  // Phase 1: the projection, and the fold caught up with the log (from a snapshot when usable).
  const projection = await openCheckedProjection(log, join(dataDir, PROJECTION_FILE), logger);
  cleanups.push(() => projection.close());
  const metrics = createMetrics();
  let reportFatal: (error: unknown) => void = () => undefined;
  const fatal = new Promise<unknown>((resolve) => (reportFatal = resolve));
  const snapshots = config.snapshotEveryEvents > 0 ? openSnapshotStore(join(dataDir, SNAPSHOT_DIR)) : undefined;
  const initial = snapshots
    ? await chooseFoldStart(snapshots, log, projection, (message) => logger.warn(message))
    : undefined;
  if (initial) logger.info({ snapshot: initial.path, events: initial.events }, "fold starts from a snapshot");
  const runner = createProjectionRunner({
    log,
    projection,
    stallBoundMs: config.stallBoundMs,
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
        everyEvents: config.snapshotEveryEvents,
        ...(initial ? { startedAt: initial.events } : {}),
        onWritten: (written) => logger.info(written, "snapshot written"),
        onError: (error) =>
          logger.error({ err: error }, "snapshot failed; the agent keeps serving and tries again later"),
      })
    : undefined;
  cleanups.push(() => snapshotting?.stop({ final: false }));

  // Phase 2: the services that append, through `appendThrough` when a test intercepts appends.
  const appendLog = ports.appendThrough ? ports.appendThrough(log) : log;
  const clock = ports.now ? { now: ports.now } : {};
  const service = createCniService({
    log: appendLog,
    runner,
    node,
    appendTimeoutMs: config.appendTimeoutMs,
    ...clock,
    ...(ports.maxAttempts ? { maxAttempts: ports.maxAttempts } : {}),
    onAllocated: (count) => metrics.allocations.inc(count),
    onReleased: (count) => metrics.releases.inc(count),
    onVoided: () => metrics.voided.inc(),
    flatFile: ports.flatFile ?? {
      dirs: [...DEFAULT_FLAT_FILE_DIRS, ...config.flatFileDirs.map((dir) => resolve(dir))],
    },
    logger: ports.serviceLogger ?? logger.child({ component: "cni" }),
    onRollbackFailed: (error) =>
      logger.error({ err: error }, "could not release the claim of a failed ADD; ipledger gc or a DEL releases it"),
  });
  const operator = {
    service: createOperatorService({
      log: appendLog,
      runner,
      node,
      component: "agent",
      appendTimeoutMs: Math.max(10_000, config.appendTimeoutMs),
      ...clock,
    }),
    allowlist: createAllowlistQueries(projection.db),
  };

  // Phase 3: what watches the fold (gauges, clock skew) and what signs it.
  const stopGauges = [
    watchPoolGauges(runner, metrics),
    watchFoldLag(log, runner, metrics),
    watchClockSkew(runner, metrics, ports.serviceLogger ?? logger.child({ component: "fold" }), {
      thresholdMs: config.clockSkewWarnMs,
    }),
  ];
  const signer = signingKey
    ? startCheckpointSigner({
        log,
        runner,
        privateKey: signingKey,
        actor: { node, component: "agent" },
        intervalMs: config.checkpointIntervalMs,
        onError: (error) => logger.error({ err: error }, "signed checkpoint failed; retrying next interval"),
      })
    : undefined;
  cleanups.push(() => signer?.stop());

  // Phase 4: the HTTP apps, built but not listening (every unix-socket caller is admin; TCP needs a token).
  const queries = createQueries(projection.db);
  // Requests are not logged one by one (the CNI service logs each ADD); failures at warn and up are.
  const httpLevel = logger.levelVal > pinoLevels.warn ? logger.level : "warn";
  const httpLogger = logger.child({ component: "http" }, { level: httpLevel });
  const deps = { service, queries, runner, metrics, operator, logger: httpLogger };
  const socketApp = buildApp({ ...deps, auth: { kind: "socket" } });
  cleanups.push(() => socketApp.close());
  const tcpApp = auth ? buildApp({ ...deps, auth }) : undefined;
  cleanups.push(() => tcpApp?.close());

  return {
    config,
    node,
    dataDir,
    logger,
    log,
    projection,
    runner,
    service,
    operator,
    queries,
    metrics,
    socketApp,
    tcpApp,
    /** Resolves with the error once the fold gave up: the process should exit non-zero. */
    fatal,
    /** The snapshot the fold started from, when one was usable. */
    startedFrom: initial ? { snapshot: initial.path, events: initial.events } : undefined,
    /** Closes the parts in reverse order of opening; the data directory lock is the caller's. */
    async shutdown(): Promise<void> {
      await socketApp.close();
      await tcpApp?.close();
      await signer?.stop();
      for (const stop of stopGauges) stop();
      await runner.stop();
      snapshotting?.stop({ final: true });
      await log.close();
      projection.close();
    },
  };
}

export type AgentParts = Omit<Awaited<ReturnType<typeof openAgentParts>>, "shutdown">;
