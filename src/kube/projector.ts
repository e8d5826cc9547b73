import type { KubeConfig } from "@kubernetes/client-node";
import type { EventLog } from "../../ledger/log/eventLog.js";
import {
  createIPPoolApplier,
  type ApplierEvent,
  type IPPoolApplierOptions,
} from "../../projections/kubernetes/ippoolApplier.js";
import {
  ippoolNameOf,
  ippoolObject,
  poolsByName,
  type IPPoolObject,
} from "../../projections/kubernetes/ippoolObjects.js";
import type { IPPoolStore } from "../../projections/kubernetes/ippoolStore.js";
import { recordPoolPositions, type PoolPosition } from "../../projections/kubernetes/poolPositions.js";
import { createProjectionRunner } from "../../projections/runner.js";
import { createKubeIPPoolStore, describeKubeError } from "./kubeClient.js";
import { createLeaseElector, type LeaseElectorOptions, type LeaseStore } from "./leaseElector.js";
import { createKubeLeaseStore } from "./leaseStore.js";

/** What the projector logs through; pino's logger fits. */
export interface ProjectorLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface ProjectorOptions {
  readonly log: EventLog;
  readonly kubeConfig: KubeConfig;
  /** Where the IPPools and the Lease live. */
  readonly namespace: string;
  /** This process's Lease holder identity; unique per process. */
  readonly identity: string;
  /** Default `ipledger-projector`. */
  readonly leaseName?: string;
  readonly lease?: Pick<LeaseElectorOptions, "leaseDurationMs" | "renewDeadlineMs" | "retryPeriodMs">;
  readonly applier?: Pick<IPPoolApplierOptions, "minWriteIntervalMs" | "resyncIntervalMs" | "retryDelayMs">;
  readonly logger?: ProjectorLogger;
  /** How long the first fold of the whole log may take. Default 10 min. */
  readonly catchUpTimeoutMs?: number;
  /** Stand-ins for the API (tests); client-node adapters by default. */
  readonly ippoolStore?: IPPoolStore;
  readonly leaseStore?: LeaseStore;
}

const silent: ProjectorLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

function logApplierEvent(logger: ProjectorLogger, namespace: string, writer: string, event: ApplierEvent): void {
  switch (event.kind) {
    case "created":
    case "replaced":
      return logger.info(
        { pool: event.name, namespace, resourceVersion: event.resourceVersion, writer },
        `IPPool ${event.kind}`,
      );
    case "conflict":
      return logger.info({ pool: event.name, namespace }, "IPPool changed since read (409); re-reading");
    case "drift":
      return logger.warn(
        { pool: event.name, namespace, change: event.change },
        `IPPool ${event.change} outside ipledger; restoring it`,
      );
    case "error":
      return logger.error(
        { pool: event.name, namespace, error: describeKubeError(event.error) },
        "IPPool projection failed; retrying",
      );
    default: {
      const unknown: never = event;
      return logger.error({ event: unknown }, "unknown applier event");
    }
  }
}

/**
 * The Kubernetes projection, wired: folds the log into pool state (no SQLite needed), turns the
 * pools it changes into IPPool objects (the pure `ippoolObject`), and has the applier write them,
 * only while this process holds the Lease.
 *
 * @example
 *   const projector = await startProjector({ log, kubeConfig, namespace: "kube-system", identity: "proj-a" });
 *   await projector.stop();
 */
export async function startProjector(options: ProjectorOptions) {
  const { namespace, identity } = options;
  const logger = options.logger ?? silent;
  const runner = createProjectionRunner({
    log: options.log,
    onError: (error) => logger.error({ error: String(error) }, "log tail failed; retrying"),
  });
  const positions = new Map<string, PoolPosition>();
  const names = (): Iterable<string> => poolsByName(runner.state.pools.values()).keys();
  const desired = (name: string): IPPoolObject | undefined => {
    const group = poolsByName(runner.state.pools.values()).get(name);
    return group ? ippoolObject(name, group, positions, namespace) : undefined;
  };

  const elector = createLeaseElector({
    ...options.lease,
    store:
      options.leaseStore ??
      createKubeLeaseStore(options.kubeConfig, namespace, options.leaseName ?? "ipledger-projector"),
    identity,
    onStartedLeading: () => {
      logger.info({ identity, namespace }, "holding the projector Lease: writing IPPools");
      applier.start();
    },
    onStoppedLeading: () => {
      logger.warn({ identity, namespace }, "lost the projector Lease: stopped writing");
      void applier.stop();
    },
    onError: (error) => logger.error({ error: describeKubeError(error) }, "Lease request failed"),
  });
  const applier = createIPPoolApplier({
    ...options.applier,
    store: options.ippoolStore ?? createKubeIPPoolStore(options.kubeConfig, namespace),
    desired,
    names,
    writer: identity,
    canWrite: () => elector.isLeader(),
    onEvent: (event) => logApplierEvent(logger, namespace, identity, event),
  });

  // Phase 1: fold the whole log before wanting anything, so no half-folded pool is ever written.
  let caughtUp = false;
  runner.onApplied((batch) => {
    const changed = recordPoolPositions(positions, batch);
    if (!caughtUp || changed.size === 0) return;
    const touched = [...changed].flatMap((key) => {
      const pool = runner.state.pools.get(key);
      return pool ? [ippoolNameOf(pool)] : [];
    });
    applier.changed(touched);
  });
  await runner.start();
  await runner.waitForCatchUp(options.catchUpTimeoutMs ?? 10 * 60_000);
  caughtUp = true;
  logger.info(
    { identity, namespace, pools: runner.state.pools.size, position: Object.fromEntries(runner.position()) },
    "folded the log; competing for the projector Lease",
  );

  // Phase 2: compete for the Lease; the applier writes only while it is held.
  elector.start();

  return {
    runner,
    applier,
    elector,
    /** Every IPPool object the projection wants now. */
    desiredObjects(): IPPoolObject[] {
      return [...names()].sort().map((name) => desired(name) as IPPoolObject);
    },
    /** Steps down (releasing the Lease), stops writing, stops folding. */
    async stop(): Promise<void> {
      await elector.stop();
      await applier.stop();
      await runner.stop();
    },
  };
}

export type Projector = Awaited<ReturnType<typeof startProjector>>;
