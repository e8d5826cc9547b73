import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { InvalidArgumentError, type Command } from "commander";
import pino from "pino";
import { loadKubeConfig } from "../../kube/kubeClient.js";
import { startProjector } from "../../kube/projector.js";
import { installWhereaboutsCrds } from "../../kube/projectorCrds.js";
import { DEFAULT_DATA_DIR } from "../../dataFiles.js";
import { openCommandLog, withLogOptions, type KafkaClientRole, type LogOptions } from "../../readModel/logOptions.js";

/** The projector only reads the log: it never creates the topic. */
const PROJECTOR_READER: KafkaClientRole = { clientId: "ipledger-projector", createTopic: false };

interface ProjectKubernetesOptions extends LogOptions {
  kubeconfig?: string;
  namespace?: string;
  installCrds?: boolean;
  dataDir: string;
  identity?: string;
  leaseName: string;
  leaseSeconds: number;
  writeIntervalMs: number;
  resyncSeconds: number;
}

function wholeNumber(flag: string, min: number) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < min)
      throw new InvalidArgumentError(`${flag} must be a whole number ≥ ${min}, not ${value}`);
    return number;
  };
}

export function registerProjectKubernetesCommand(program: Command): void {
  const command = program
    .command("project-kubernetes")
    .description(
      "keep Whereabouts-compatible IPPool custom resources equal to the ledger (one writer at a time, through a Lease)",
    )
    .option(
      "--kubeconfig <file>",
      "kubeconfig of the cluster (default $KUBECONFIG, ~/.kube/config, else the in-cluster service account)",
    )
    .option(
      "--namespace <ns>",
      "where the IPPools and the Lease live (default the kubeconfig context's namespace, else kube-system as for Whereabouts)",
    )
    .option(
      "--install-crds",
      "create or update the IPPool and OverlappingRangeIPReservation CRDs first (needs cluster-wide rights on customresourcedefinitions)",
    )
    .option("--data-dir <dir>", "the agent's data directory (embedded log; ignored with --kafka)", DEFAULT_DATA_DIR)
    .option("--identity <id>", "this projector's Lease holder identity (default $POD_NAME, else hostname_random)")
    .option("--lease-name <name>", "the coordination.k8s.io Lease that elects the writer", "ipledger-projector")
    .option(
      "--lease-seconds <n>",
      "Lease duration: a standby takes over this long after the writer stops renewing",
      wholeNumber("--lease-seconds", 1),
      15,
    )
    .option(
      "--write-interval-ms <ms>",
      "at most one write per IPPool per this interval; changes in between are coalesced",
      wholeNumber("--write-interval-ms", 0),
      250,
    )
    .option(
      "--resync-seconds <n>",
      "relist the IPPools this often to catch missed watch events",
      wholeNumber("--resync-seconds", 1),
      60,
    );
  withLogOptions(command).action(async (options: ProjectKubernetesOptions) => {
    const logger = pino({ level: "info", base: { component: "projector" } }, pino.destination(2));
    const log = await openCommandLog(options, options.dataDir, PROJECTOR_READER);
    try {
      const kubeConfig = loadKubeConfig(options.kubeconfig ?? process.env.KUBECONFIG);
      const namespace =
        options.namespace ?? (kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace || "kube-system");
      const identity = options.identity ?? process.env.POD_NAME ?? `${hostname()}_${randomUUID().slice(0, 8)}`;
      if (options.installCrds) {
        for (const { name, action } of await installWhereaboutsCrds(kubeConfig))
          logger.info({ crd: name, action }, "CRD installed and Established");
      }
      const leaseMs = options.leaseSeconds * 1000;
      const projector = await startProjector({
        log,
        kubeConfig,
        namespace,
        identity,
        leaseName: options.leaseName,
        // client-go's proportions: renew deadline 2/3 of the lease, retries 2/15 of it.
        lease: {
          leaseDurationMs: leaseMs,
          renewDeadlineMs: Math.round((leaseMs * 2) / 3),
          retryPeriodMs: Math.max(100, Math.round((leaseMs * 2) / 15)),
        },
        applier: { minWriteIntervalMs: options.writeIntervalMs, resyncIntervalMs: options.resyncSeconds * 1000 },
        logger,
      });
      await new Promise<void>((done) => {
        const stop = (): void => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          logger.info({ identity }, "stopping: releasing the Lease");
          void projector.stop().then(done, done);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    } finally {
      await log.close();
    }
  });
}
