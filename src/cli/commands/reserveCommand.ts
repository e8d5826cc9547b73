import type { Command } from "commander";
import { runOperatorCommand, withOperatorOptions, type OperatorCliOptions } from "../../operator/operatorCli.js";
import { ipamOfFlags, type PoolFlags } from "../../operator/reservePoolInput.js";
import type { CommandIo } from "../commandIo.js";

const collect = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean),
];

export function registerReserveCommand(program: Command, exit: { code: number }, io: CommandIo): void {
  withOperatorOptions(
    program
      .command("reserve")
      .description("take addresses out of allocation (AddressReserved); refused when some are held, unless --force")
      .argument("<target>", "an address, a CIDR or a range: 10.20.0.5, 10.20.0.0/28, 10.20.0.10-10.20.0.20")
      .option("--pool <name>", "the pool (default: the pool whose range contains the target)")
      .option(
        "--force",
        "reserve even held addresses: their holders keep them until released, then they are not reallocated",
      )
      .option(
        "--range <cidr>",
        "define the pool first, as an ADD with this ipam range would (for a pool no pod has used yet)",
      )
      .option("--range-start <ip>", "with --range: range_start")
      .option("--range-end <ip>", "with --range: range_end")
      .option("--exclude <cidr,…>", "with --range: exclude entries (repeat or separate with commas)", collect)
      .option("--gateway <ip>", "with --range: gateway")
      .option("--network-name <name>", "with --range: network_name (the allocation domain)")
      .option(
        "--nad <file>",
        "define the pool from the ipam of this NetworkAttachmentDefinition (YAML or JSON) instead of --range",
      ),
  ).action(async (target: string, options: OperatorCliOptions & PoolFlags & { pool?: string; force?: boolean }) => {
    const ipam = await ipamOfFlags(options);
    await runOperatorCommand(
      "reserve",
      {
        target,
        ...(options.pool ? { pool: options.pool } : {}),
        ...(options.force ? { force: true } : {}),
        ...(ipam ? { ipam } : {}),
      },
      options,
      exit,
      io,
    );
  });
}
