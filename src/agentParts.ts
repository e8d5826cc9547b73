import { resolve } from "node:path";
import pino from "pino";
import type { EventLog } from "../ledger/log/eventLog.js";
import { createQueries } from "../projections/sqlite/queries.js";
import { openAgentFold } from "./agentFold.js";
import type { AgentPorts } from "./agentPorts.js";
import { startCheckpointSigner } from "./audit/checkpointSigner.js";
import type { loadSigningKey } from "./audit/signingKeys.js";
import { watchClockSkew } from "./clockSkew.js";
import { createCniService } from "./cni/cniService.js";
import { DEFAULT_FLAT_FILE_DIRS } from "./cni/flatFile.js";
import type { AgentConfig } from "./config.js";
import { watchFoldLag } from "./foldLagGauge.js";
import { openAgentConsole } from "./console/agentConsole.js";
import { buildApp } from "./http/app.js";
import type { loadTokenFile } from "./http/auth.js";
import { createMetrics } from "./metrics.js";
import { createAllowlistQueries } from "./operator/allowlistQuery.js";
import { createOperatorService } from "./operator/operatorService.js";
import { watchPoolGauges } from "./poolGauges.js";

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
  const { projection, runner, fatal, startedFrom, bulkLoaded, stopSnapshots } = await openAgentFold({
    config,
    log,
    dataDir,
    logger,
    cleanups,
  });
  const metrics = createMetrics();

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
  // The TCP listener also serves the auditor's console, reading this agent's projection.
  const agentConsole = auth ? await openAgentConsole(dataDir, auth, (message) => logger.warn(message)) : undefined;
  cleanups.push(() => agentConsole?.close());
  const tcpApp = auth ? buildApp({ ...deps, auth, ...(agentConsole ? { console: agentConsole } : {}) }) : undefined;
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
    startedFrom,
    bulkLoaded,
    /** Closes the parts in reverse order of opening; the data directory lock is the caller's. */
    async shutdown(): Promise<void> {
      await socketApp.close();
      await tcpApp?.close();
      await agentConsole?.close();
      await signer?.stop();
      for (const stop of stopGauges) stop();
      await runner.stop();
      stopSnapshots({ final: true });
      await log.close();
      projection.close();
    },
  };
}

export type AgentParts = Omit<Awaited<ReturnType<typeof openAgentParts>>, "shutdown">;
