import type { Command } from "commander";
import { renderJson, renderTable } from "../output.js";
import { openQuerySourceFor, withQueryOptions, type QueryOptions } from "./queryOptions.js";

export function registerPoolsCommand(program: Command): void {
  withQueryOptions(
    program
      .command("pools")
      .description("every pool with its window: capacity, excluded, reserved, allocated and free addresses"),
  ).action(async (options: QueryOptions) => {
    const source = await openQuerySourceFor(options);
    try {
      const pools = await source.pools();
      if (options.output === "json") return void process.stdout.write(`${renderJson(pools)}\n`);
      process.stdout.write(
        `${renderTable(pools, ["pool", "domain", "range", "start", "end", "gateway", "capacity", "excluded", "reserved", "allocated", "free", "definedAt"])}\n`,
      );
    } finally {
      source.close();
    }
  });
}
