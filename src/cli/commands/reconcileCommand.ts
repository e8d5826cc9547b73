import { InvalidArgumentError, type Command } from "commander";
import pino from "pino";
import { createPodEventRecorder } from "../../kube/kubeEvents.js";
import { describeKubeError, loadKubeConfig } from "../../kube/kubeClient.js";
import { startReconcileLoop } from "../../kube/reconcileLoop.js";
import { foldLog } from "../../ledgerView.js";
import { createPodSource } from "../../kube/reconcilePodSource.js";
import { createPodReconciler } from "../../kube/reconciler.js";
import { DEFAULT_DATA_DIR } from "../../dataFiles.js";
import { parseOutput, renderJson, renderTable, type OutputFormat } from "../../output.js";
import { openCommandLog, withLogOptions, type LogOptions } from "../../readModel/logOptions.js";
import { nodeNameOf } from "../../config.js";

interface ReconcileOptions extends LogOptions {
  kubeconfig?: string;
  dataDir: string;
  resyncSeconds: number;
  node?: string;
  once?: boolean;
  output: OutputFormat;
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new InvalidArgumentError(`--resync-seconds must be a whole number of seconds ≥ 1, not ${value}`);
  return number;
}

export function registerReconcileCommand(program: Command): void {
  withLogOptions(
    program
      .command("reconcile")
      .description(
        "release the addresses of deleted pods (reason pod-deleted): a pod informer, a relist every --resync-seconds, and a sweep at start-up for pods deleted while ipledger was down",
      )
      .option(
        "--kubeconfig <file>",
        "kubeconfig of the cluster (default $KUBECONFIG, ~/.kube/config, else the in-cluster service account)",
      )
      .option("--data-dir <dir>", "the agent's data directory (embedded log), unless --kafka", DEFAULT_DATA_DIR)
      .option("--resync-seconds <n>", "full relist and sweep period, in case the informer stalls", positiveInteger, 300)
      .option("--node <name>", "recorded as the writer's node in each release (default $NODENAME or the hostname)")
      .option("--once", "sweep once, print what was released and exit (cron style)")
      .option("--output <format>", "with --once: table or json", parseOutput, "table"),
  ).action(async (options: ReconcileOptions) => {
    const logger = pino({ level: "info", base: { component: "reconciler" } }, pino.destination(2));
    const node = nodeNameOf(options.node);
    const kubeConfig = loadKubeConfig(options.kubeconfig);
    const log = await openCommandLog(options, options.dataDir, {
      clientId: `ipledger-reconciler-${node}`,
      createTopic: false,
    });
    const view = await foldLog(log, { onError: (error) => logger.error({ err: error }, "log tail failed; retrying") });
    try {
      const events = createPodEventRecorder(kubeConfig, {
        instance: node,
        onError: (error) =>
          logger.warn(
            { error: describeKubeError(error) },
            "could not record a Kubernetes Event (the release itself is done)",
          ),
      });
      const reconciler = createPodReconciler({
        log: view.log,
        runner: view.runner,
        pods: createPodSource(kubeConfig),
        events,
        actor: { node, component: "reconciler" },
      });
      if (options.once) {
        const report = await reconciler.sweep("once");
        process.stdout.write(
          `${
            options.output === "json"
              ? renderJson(report)
              : renderTable(
                  report.released.map((row) => ({ ...row })),
                  ["pool", "ip", "pod", "podUid", "matchedBy"],
                )
          }\n`,
        );
        return;
      }
      const loop = await startReconcileLoop({ kubeConfig, reconciler, resyncMs: options.resyncSeconds * 1000, logger });
      logger.info(
        { resyncSeconds: options.resyncSeconds },
        "reconciler running: releasing the addresses of deleted pods",
      );
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          void loop.stop().then(resolve);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    } finally {
      await view.close();
    }
  });
}
