import type { Command } from "commander";
import type { Holder } from "../../../projections/sqlite/queries.js";
import {
  sourceOptionsOf,
  TIME_HELP,
  timeZoneOfOptions,
  withAuditOptions,
  type AuditCommandOptions,
} from "../../audit/auditOptions.js";
import { basisLine, holdersTable, WHO_COLUMNS } from "../../audit/auditRender.js";
import { openReadModel } from "../../readModel/openReadModel.js";
import { parseInstant, retime } from "../../time.js";
import { renderJson } from "../../output.js";
import type { CommandIo } from "../commandIo.js";

export function registerWhoCommand(program: Command, _exit: { code: number }, io: CommandIo): void {
  withAuditOptions(
    program
      .command("who")
      .description("which pod held an address, or every address of a CIDR, at an instant (default: now)")
      .argument("<ip|cidr>", "an address (10.20.4.17) or a CIDR (10.20.4.0/24)")
      .option("--at <time>", TIME_HELP)
      .option("--domain <name>", "only this allocation domain (network_name); by default every network that held it"),
  ).action(async (target: string, options: AuditCommandOptions & { at?: string; domain?: string }) => {
    const atMs = options.at ? parseInstant(options.at, "--at") : Date.now();
    const tz = timeZoneOfOptions(options);
    const at = new Date(atMs).toISOString();
    const source = await openReadModel(sourceOptionsOf(options));
    try {
      const basis = await source.basis();
      if (target.includes("/")) {
        const holders: Holder[] = [];
        for await (const page of source.whoCidr(target, atMs, options.domain)) holders.push(...page);
        const answer = retime({ cidr: target, at, holders, basis }, tz);
        if (options.output === "json") return void io.stdout.write(`${renderJson(answer)}\n`);
        return void io.stdout.write(
          `${answer.holders.length} of the addresses of ${target} were held at ${answer.at}\n${holdersTable(answer.holders, WHO_COLUMNS)}\n${basisLine(basis)}\n`,
        );
      }
      const holders = await source.who(target, atMs, options.domain);
      const answer = retime({ ip: target, at, holder: holders[0] ?? null, holders, basis }, tz);
      if (options.output === "json") return void io.stdout.write(`${renderJson(answer)}\n`);
      if (holders.length === 0)
        return void io.stdout.write(`${target} was not allocated at ${answer.at}\n${basisLine(basis)}\n`);
      io.stdout.write(`${holdersTable(answer.holders, WHO_COLUMNS)}\n${basisLine(basis)}\n`);
    } finally {
      await source.close();
    }
  });
}
