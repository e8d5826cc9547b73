import type { Command } from "commander";
import { parseOutput, renderJson, renderTable, type OutputFormat } from "../../output.js";
import { withLogOptions } from "../../readModel/logOptions.js";
import { openReadModel } from "../../readModel/openReadModel.js";
import { withReadSourceOptions, type ReadSourceOptions } from "../../readModel/readSource.js";
import type { CommandIo } from "../commandIo.js";

interface PoolsOptions extends ReadSourceOptions {
  readonly output: OutputFormat;
}

export function registerPoolsCommand(program: Command, _exit: { code: number }, io: CommandIo): void {
  withLogOptions(
    withReadSourceOptions(
      program
        .command("pools")
        .description("every pool with its window: capacity, excluded, reserved, allocated and free addresses"),
    ).option("--output <format>", "table or json", parseOutput, "table"),
  ).action(async (options: PoolsOptions) => {
    const source = await openReadModel(options);
    try {
      const pools = await source.pools();
      if (options.output === "json") return void io.stdout.write(`${renderJson(pools)}\n`);
      io.stdout.write(
        `${renderTable(pools, ["pool", "domain", "range", "start", "end", "gateway", "capacity", "excluded", "reserved", "allocated", "free", "definedAt"])}\n`,
      );
    } finally {
      await source.close();
    }
  });
}
