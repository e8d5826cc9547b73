import type { Command } from "commander";
import { runOperatorCommand, withOperatorOptions, type OperatorCliOptions } from "../../operator/operatorCli.js";
import type { CommandIo } from "../commandIo.js";

export function registerDrainNodeCommand(program: Command, exit: { code: number }, io: CommandIo): void {
  withOperatorOptions(
    program
      .command("drain-node")
      .description(
        "release every allocation made on a node that is gone for good (Whereabouts leaks these: #75, #550); one AddressReleased (reason admin) each",
      )
      .argument("<node>", "the node name recorded at ADD (see `ipledger history` or /v1/allocations)"),
  ).action(async (node: string, options: OperatorCliOptions) => {
    await runOperatorCommand("drain-node", { node }, options, exit, io);
  });
}
