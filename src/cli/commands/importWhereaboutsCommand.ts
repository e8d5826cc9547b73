import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { importWhereabouts, type ImportReport } from "../../kube/importWhereabouts.js";
import { readWhereabouts } from "../../kube/importWhereaboutsSource.js";
import { loadKubeConfig } from "../../kube/kubeClient.js";
import { foldLog, openLedgerView, type LedgerView } from "../../ledgerView.js";
import { createMemoryEventLog } from "../../../ledger/log/memoryEventLog.js";
import { LOG_FILE } from "../../dataFiles.js";
import { DEFAULT_DATA_DIR } from "../../dataFiles.js";
import { EXIT } from "../../exitCodes.js";
import { parseOutput, renderJson, renderTable, type OutputFormat } from "../../output.js";
import { openCommandLog, usesKafka, withLogOptions, type LogOptions } from "../../readModel/logOptions.js";
import { nodeNameOf } from "../../config.js";

interface ImportOptions extends LogOptions {
  kubeconfig?: string;
  namespace?: string;
  dataDir: string;
  dryRun?: boolean;
  defaultIfname: string;
  output: OutputFormat;
}

export function renderImportReport(report: ImportReport): string {
  const { imported, present, conflicts } = report.summary;
  const head = `${report.dryRun ? "dry run, nothing appended: would import" : "imported"} ${imported} allocation(s); ${present} already in the ledger; ${conflicts} conflict(s)`;
  const pools = `${report.dryRun ? "pools to define" : "pools defined"}: ${report.definedPools.length > 0 ? report.definedPools.join(", ") : "none"}`;
  const rows = renderTable(
    report.rows.map((row) => ({ ...row })),
    ["ippool", "ip", "pod", "ifName", "containerId", "podUid", "status"],
  );
  const parts = [head, pools, "", rows];
  if (report.conflicts.length > 0)
    parts.push(
      "",
      "conflicts:",
      renderTable(
        report.conflicts.map((row) => ({ ...row })),
        ["kind", "source", "ip", "detail"],
      ),
    );
  for (const warning of report.warnings) parts.push(`warning: ${warning}`);
  return parts.join("\n");
}

/**
 * The log to import into. The import may run before any agent (a migration's first step), so it
 * creates the embedded log or the Kafka topic when missing; a dry run on a data dir without a log
 * plans against an empty ledger instead of creating one.
 */
async function openImportLedger(options: ImportOptions): Promise<LedgerView> {
  if (usesKafka(options))
    return foldLog(
      await openCommandLog(options, options.dataDir, {
        clientId: "ipledger-import-whereabouts",
        createTopic: !options.dryRun,
      }),
    );
  if (options.dryRun && !existsSync(join(resolve(options.dataDir), LOG_FILE))) return foldLog(createMemoryEventLog());
  return openLedgerView({ dataDir: options.dataDir });
}

export function registerImportWhereaboutsCommand(program: Command, exit: { code: number }): void {
  withLogOptions(
    program
      .command("import-whereabouts")
      .description(
        "append Whereabouts' IPPool allocations to the ledger (AddressAllocated, source import); idempotent; exits 1 when it found conflicts",
      )
      .option(
        "--kubeconfig <file>",
        "kubeconfig of the cluster (default $KUBECONFIG, ~/.kube/config, else the in-cluster service account)",
      )
      .option(
        "--namespace <ns>",
        "where Whereabouts keeps its IPPools and ORIPs (default the kubeconfig context's namespace, else kube-system)",
      )
      .option(
        "--data-dir <dir>",
        "the agent's data directory (embedded log; created when missing), unless --kafka",
        DEFAULT_DATA_DIR,
      )
      .option("--dry-run", "plan and report, append nothing")
      .option(
        "--default-ifname <name>",
        "interface for allocations without ifname that network-status cannot place (Multus names the first secondary interface net1)",
        "net1",
      )
      .option("--output <format>", "table or json", parseOutput, "table"),
  ).action(async (options: ImportOptions) => {
    const kubeConfig = loadKubeConfig(options.kubeconfig);
    const namespace =
      options.namespace ?? (kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace || "kube-system");
    const snapshot = await readWhereabouts(kubeConfig, namespace);
    const view = await openImportLedger(options);
    try {
      const report = await importWhereabouts({
        log: view.log,
        runner: view.runner,
        snapshot,
        defaultIfName: options.defaultIfname,
        dryRun: options.dryRun === true,
        actor: { node: nodeNameOf(undefined), component: "import-whereabouts" },
      });
      process.stdout.write(`${options.output === "json" ? renderJson(report) : renderImportReport(report)}\n`);
      exit.code = report.conflicts.length > 0 ? EXIT.checkFailed : EXIT.ok;
    } finally {
      await view.close();
    }
  });
}
