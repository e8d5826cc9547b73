import { Option, type Command } from "commander";
import { buildAllowlist, renderAllowlist, type Allowlist } from "../../operator/allowlist.js";
import { watchLists } from "../../operator/allowlistWatch.js";
import { asOperatorCliError } from "../../operator/operatorOutput.js";
import type { SelectedPods } from "../../operator/podSelector.js";
import { parseInstant } from "../../time.js";
import { DEFAULT_DATA_DIR } from "../../dataFiles.js";
import { withLogOptions } from "../../readModel/logOptions.js";
import { openReadModel } from "../../readModel/openReadModel.js";
import type { CommandIo } from "../commandIo.js";
import { formatOf, parseFormat, parseInterval, selectorOf, type AllowlistOptions } from "./allowlistOptions.js";

/** Loads the Kubernetes client only when asked, and returns a function that lists the selected pods. */
async function labelledPods(
  kubeconfig: string | undefined,
  namespace: string,
  selector: string,
): Promise<() => Promise<SelectedPods>> {
  const [{ loadKubeConfig }, { selectPods }] = await Promise.all([
    import("../../kube/kubeClient.js"),
    import("../../operator/podSelector.js"),
  ]);
  const kubeConfig = loadKubeConfig(kubeconfig);
  return () => selectPods(kubeConfig, namespace, selector);
}

export function registerAllowlistCommand(program: Command, _exit: { code: number }, io: CommandIo): void {
  withLogOptions(
    program
      .command("allowlist")
      .description(
        "the addresses a firewall should allow: held now (or --at a past moment) in a pool, a network, or by the pods of a namespace with a label",
      )
      .option("--pool <name>", "the addresses held in this pool")
      .option("--network <name>", "the addresses held in the pools of this network_name")
      .option("--namespace <ns>", "the addresses held by pods of this namespace")
      .option(
        "--label <selector>",
        "with --namespace: only pods matching this label selector (k=v[,k2=v2]), read from Kubernetes with --kubeconfig and matched by pod UID",
      )
      .option("--kubeconfig <file>", "kubeconfig for --label (default $KUBECONFIG, ~/.kube/config, else in-cluster)")
      .option(
        "--output <format>",
        "lines (one address per line, the default), cidrs (collapsed CIDRs) or json; --format is an alias",
        parseFormat,
      )
      .addOption(new Option("--format <format>", "alias of --output").argParser(parseFormat).hideHelp())
      .option("--at <time>", "as of a past moment (ISO 8601 with a zone, epoch, '2h ago'); agrees with `who --at`")
      .option(
        "--watch",
        "print a new list whenever it changes, until Ctrl-C (text formats start each list with a '# …' line; json prints one document per line)",
      )
      .option("--interval <ms>", "with --watch: how often to look", parseInterval, 1_000)
      .option("--data-dir <dir>", "read the projection in this data directory", DEFAULT_DATA_DIR)
      .option("--socket <path>", "ask the agent on this unix socket instead"),
  ).action(async (options: AllowlistOptions) => {
    const selector = selectorOf(options);
    const format = formatOf(options);
    const atMs = options.at === undefined ? undefined : parseInstant(options.at, "--at");
    // @kubernetes/client-node takes most of a second to load: only --label needs it.
    const podsOf =
      options.label === undefined
        ? undefined
        : await labelledPods(options.kubeconfig, options.namespace as string, options.label);
    try {
      // --watch follows the projection (or the tailed Kafka topic); one list reads one snapshot.
      const source = await openReadModel({ ...options, follow: options.watch === true });
      const current = async (): Promise<Allowlist> => {
        const holders = await source.allowlist(selector, atMs);
        const pods = podsOf ? await podsOf() : undefined;
        return buildAllowlist(holders, {
          selector: { ...selector, ...(options.label !== undefined ? { label: options.label } : {}) },
          ...(atMs !== undefined ? { atMs } : {}),
          ...(pods ? { pods } : {}),
        });
      };
      try {
        if (!options.watch) {
          const text = renderAllowlist(await current(), format);
          return void io.stdout.write(text === "" ? "" : `${text}\n`);
        }
        const controller = new AbortController();
        const stop = (): void => controller.abort();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
        try {
          await watchLists(
            async () => {
              const list = await current();
              if (format === "json") return `${renderAllowlist(list, "json", { compact: true })}\n`;
              const body = renderAllowlist(list, format);
              return `# ${list.addresses.length} address(es)\n${body === "" ? "" : `${body}\n`}`;
            },
            (text) => io.stdout.write(text),
            { intervalMs: options.interval, signal: controller.signal },
          );
        } finally {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
        }
      } finally {
        await source.close();
      }
    } catch (error) {
      throw asOperatorCliError(error);
    }
  });
}
