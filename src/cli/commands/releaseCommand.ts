import type { Command } from "commander";
import { runOperatorCommand, withOperatorOptions, type OperatorCliOptions } from "../../operator/operatorCli.js";
import type { CommandIo } from "../commandIo.js";

export function registerReleaseCommand(program: Command, exit: { code: number }, io: CommandIo): void {
  withOperatorOptions(
    program
      .command("release")
      .description("free an address whoever holds it: AddressReleased with reason admin, your user@host and --reason")
      .argument("<ip>", "the address, e.g. 10.20.4.17")
      .option("--pool <name>", "the pool (needed only when the address is held in several allocation domains)"),
  ).action(async (ip: string, options: OperatorCliOptions & { pool?: string }) => {
    await runOperatorCommand("release", { ip, ...(options.pool ? { pool: options.pool } : {}) }, options, exit, io);
  });
}
