import type { Command } from "commander";
import { parseInstant } from "../../time.js";
import { renderJson, renderTable } from "../output.js";
import { openQuerySourceFor, withQueryOptions, type QueryOptions } from "./queryOptions.js";

export function registerWhoCommand(program: Command): void {
  withQueryOptions(
    program
      .command("who")
      .description("which pod held an address at an instant (default: now)")
      .argument("<ip>", "the address, e.g. 10.20.4.17")
      .option("--at <time>", "ISO 8601 with a zone, epoch seconds or ms, or '2h ago'"),
  ).action(async (ip: string, options: QueryOptions & { at?: string }) => {
    const atMs = options.at ? parseInstant(options.at, "--at") : Date.now();
    const source = await openQuerySourceFor(options);
    try {
      const { holder } = await source.who(ip, atMs);
      const answer = { ip, at: new Date(atMs).toISOString(), holder };
      if (options.output === "json") return void process.stdout.write(`${renderJson(answer)}\n`);
      if (!holder) return void process.stdout.write(`${ip} was not allocated at ${answer.at}\n`);
      process.stdout.write(`${renderTable([{ ...holder, pod: holder.podName ? `${holder.podNamespace}/${holder.podName}` : "-" }], ["ip", "pool", "pod", "podUid", "containerId", "ifName", "node", "from", "to"])}\n`);
    } finally {
      source.close();
    }
  });
}
