import type { Command } from "commander";
import { runOperatorCommand, withOperatorOptions, type OperatorCliOptions } from "../../operator/operatorCli.js";
import type { CommandIo } from "../commandIo.js";

export function registerUnreserveCommand(program: Command, exit: { code: number }, io: CommandIo): void {
  withOperatorOptions(
    program
      .command("unreserve")
      .description("put reserved addresses back into allocation (ReservationLifted); names the reservation to lift")
      .argument(
        "<target>",
        "exactly what was reserved (however written): 10.20.0.5, 10.20.0.0/28, 10.20.0.10-10.20.0.20",
      )
      .option("--pool <name>", "the pool (needed only when the same target is reserved in several pools)"),
  ).action(async (target: string, options: OperatorCliOptions & { pool?: string }) => {
    await runOperatorCommand(
      "unreserve",
      { target, ...(options.pool ? { pool: options.pool } : {}) },
      options,
      exit,
      io,
    );
  });
}
