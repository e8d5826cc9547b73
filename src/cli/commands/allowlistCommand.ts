import { InvalidArgumentError, Option, type Command } from "commander";
import {
  ALLOWLIST_FORMATS,
  buildAllowlist,
  renderAllowlist,
  type Allowlist,
  type AllowlistFormat,
} from "../../operator/allowlist.js";
import type { AllowlistSelector } from "../../operator/allowlistQuery.js";
import { watchLists } from "../../operator/allowlistWatch.js";
import { asOperatorCliError } from "../../operator/operatorOutput.js";
import type { SelectedPods } from "../../operator/podSelector.js";
import { parseInstant } from "../../time.js";
import { DEFAULT_DATA_DIR } from "../../dataFiles.js";
import { CliError, EXIT } from "../../exitCodes.js";
import { withLogOptions, type LogOptions } from "../../readModel/logOptions.js";
import { openReadModel } from "../../readModel/openReadModel.js";
import type { CommandIo } from "../commandIo.js";

interface AllowlistOptions extends LogOptions {
  pool?: string;
  network?: string;
  namespace?: string;
  label?: string;
  kubeconfig?: string;
  output?: AllowlistFormat;
  /** The old name of --output, kept so scripts written against it still work. */
  format?: AllowlistFormat;
  at?: string;
  watch?: boolean;
  interval: number;
  dataDir: string;
  socket?: string;
}

function parseFormat(value: string): AllowlistFormat {
  if (!(ALLOWLIST_FORMATS as readonly string[]).includes(value))
    throw new InvalidArgumentError(`must be one of ${ALLOWLIST_FORMATS.join(", ")}`);
  return value as AllowlistFormat;
}

function parseInterval(value: string): number {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 50 || ms > 3_600_000)
    throw new InvalidArgumentError("must be a whole number of milliseconds from 50 to 3600000");
  return ms;
}

/** `--output`, or its alias `--format`; both at once must agree. */
function formatOf(options: AllowlistOptions): AllowlistFormat {
  if (options.output !== undefined && options.format !== undefined && options.output !== options.format) {
    throw new CliError(
      EXIT.usage,
      `--format is another name for --output; pass one of them, not --output ${options.output} with --format ${options.format}`,
    );
  }
  return options.output ?? options.format ?? "lines";
}

/** Exactly one of --pool, --network, --namespace; --label only with --namespace and never with --at. */
function selectorOf(options: AllowlistOptions): AllowlistSelector {
  const given = (["pool", "network", "namespace"] as const).filter((key) => options[key] !== undefined);
  if (given.length !== 1)
    throw new CliError(
      EXIT.usage,
      "allowlist needs exactly one of --pool P, --network NAME or --namespace NS (with --label k=v)",
    );
  if (options.label !== undefined && options.namespace === undefined)
    throw new CliError(
      EXIT.usage,
      "--label needs --namespace: pods' labels are read from Kubernetes one namespace at a time",
    );
  if (options.label !== undefined && options.at !== undefined) {
    throw new CliError(
      EXIT.usage,
      "--label cannot be combined with --at: labels are read from the cluster as it is now, and pods deleted since are gone; use --namespace (or --pool) alone for a past moment",
    );
  }
  if (options.watch && options.at !== undefined)
    throw new CliError(EXIT.usage, "--watch follows the present; a list --at a past moment never changes");
  const key = given[0] as "pool" | "network" | "namespace";
  return { [key]: options[key] } as AllowlistSelector;
}

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
