import type { Command } from "commander";
import { CliError, EXIT } from "../exitCodes.js";
import { parseInstant } from "../../time.js";
import { renderJson, renderTable } from "../output.js";
import { openQuerySourceFor, withQueryOptions, type QueryOptions } from "./queryOptions.js";

export function registerHistoryCommand(program: Command): void {
  withQueryOptions(
    program
      .command("history")
      .description("every holder of an address, or every address of a pod, oldest first")
      .option("--ip <ip>", "the address")
      .option("--pod <namespace/name>", "the pod")
      .option("--since <time>", "only intervals that end after this time")
      .option("--until <time>", "only intervals that begin before this time"),
  ).action(async (options: QueryOptions & { ip?: string; pod?: string; since?: string; until?: string }) => {
    if (!options.ip && !options.pod) throw new CliError(EXIT.usage, "history needs --ip IP or --pod NAMESPACE/NAME");
    const source = await openQuerySourceFor(options);
    try {
      const holders = await source.history({
        ...(options.ip ? { ip: options.ip } : {}),
        ...(options.pod ? { pod: options.pod } : {}),
        ...(options.since ? { sinceMs: parseInstant(options.since, "--since") } : {}),
        ...(options.until ? { untilMs: parseInstant(options.until, "--until") } : {}),
      });
      if (options.output === "json") return void process.stdout.write(`${renderJson(holders)}\n`);
      const rows = holders.map((holder) => ({ ...holder, pod: holder.podName ? `${holder.podNamespace}/${holder.podName}` : "-", to: holder.to ?? "(holds it)" }));
      process.stdout.write(`${renderTable(rows, ["ip", "pool", "pod", "containerId", "ifName", "node", "from", "to", "endReason"])}\n`);
    } finally {
      source.close();
    }
  });
}
