import type { Command } from "commander";
import { canAsk, confirm } from "../../operator/confirm.js";
import {
  commonBody,
  openOperatorTarget,
  withOperatorOptions,
  type OperatorCliOptions,
} from "../../operator/operatorCli.js";
import { asOperatorCliError, exitCodeOfResult, renderOperatorResult } from "../../operator/operatorOutput.js";
import type { OperatorResult } from "../../operator/operatorService.js";
import { CliError, EXIT } from "../../exitCodes.js";
import { renderTable } from "../../output.js";
import type { CommandIo } from "../commandIo.js";

function renderPlan(plan: OperatorResult, pool: string): string {
  const rows = plan.events.flatMap((event) =>
    event.type === "AddressReleased"
      ? [
          {
            address: event.data.ip,
            pod: event.data.owner.podName ? `${event.data.owner.podNamespace}/${event.data.owner.podName}` : "-",
            container: event.data.owner.containerId,
            ifName: event.data.owner.ifName,
            node: event.data.owner.node || "-",
          },
        ]
      : [],
  );
  return [
    `reset-pool ${pool} will release ${rows.length} address(es) (reason admin-reset):`,
    renderTable(rows, ["address", "pod", "container", "ifName", "node"]),
  ].join("\n");
}

/**
 * `ipledger reset-pool <pool>`: shows what it will release, asks on a terminal (showing the
 * count) unless `--yes`, and refuses without a terminal and without `--yes`. It then releases
 * exactly the addresses it showed; allocations made meanwhile are left alone.
 */
export function registerResetPoolCommand(program: Command, exit: { code: number }, io: CommandIo): void {
  withOperatorOptions(
    program
      .command("reset-pool")
      .description(
        'release every address of a pool, one AddressReleased (reason admin-reset) each: Whereabouts\' "delete and recreate the IP pool", with a trail',
      )
      .argument("<pool>", "the pool name, as `ipledger pools` lists it")
      .option("--yes", "do not ask for confirmation (needed when no terminal is attached)"),
  ).action(async (pool: string, options: OperatorCliOptions & { yes?: boolean }) => {
    try {
      const target = await openOperatorTarget(options);
      try {
        const plan = await target.run("reset-pool", { ...commonBody(options), pool, dryRun: true });
        if (options.dryRun) return void io.stdout.write(`${renderOperatorResult(plan, options.output)}\n`);
        const ips = plan.events.flatMap((event) => (event.type === "AddressReleased" ? [event.data.ip] : []));
        if (ips.length === 0) return void io.stdout.write(`${plan.notes.join("\n")}\n`);
        // The plan goes to stderr under --output json, so stdout stays one JSON document.
        (options.output === "json" ? io.stderr : io.stdout).write(`${renderPlan(plan, pool)}\n`);
        if (!options.yes) {
          if (!canAsk())
            throw new CliError(
              EXIT.usage,
              `reset-pool would release ${ips.length} address(es) of pool ${pool}, and no terminal is attached to confirm; pass --yes`,
            );
          if (!(await confirm(`Release these ${ips.length} address(es) of pool ${pool}?`))) {
            io.stderr.write("reset-pool: not confirmed; nothing appended\n");
            return void (exit.code = EXIT.checkFailed);
          }
        }
        const result = await target.run("reset-pool", { ...commonBody(options), pool, confirm: true, onlyIps: ips });
        io.stdout.write(`${renderOperatorResult(result, options.output)}\n`);
        exit.code = exitCodeOfResult(result);
      } finally {
        await target.close();
      }
    } catch (error) {
      throw asOperatorCliError(error);
    }
  });
}
