import type { Command } from "commander";
import { runOperatorCommand, withOperatorOptions, type OperatorCliOptions } from "../../operator/operatorCli.js";

export function registerReserveCommand(program: Command, exit: { code: number }): void {
  withOperatorOptions(
    program
      .command("reserve")
      .description("take addresses out of allocation (AddressReserved); refused when some are held, unless --force")
      .argument("<target>", "an address, a CIDR or a range: 10.20.0.5, 10.20.0.0/28, 10.20.0.10-10.20.0.20")
      .option("--pool <name>", "the pool (default: the pool whose range contains the target)")
      .option("--force", "reserve even held addresses: their holders keep them until released, then they are not reallocated"),
  ).action(async (target: string, options: OperatorCliOptions & { pool?: string; force?: boolean }) => {
    await runOperatorCommand("reserve", { target, ...(options.pool ? { pool: options.pool } : {}), ...(options.force ? { force: true } : {}) }, options, exit);
  });
}
