import { InvalidArgumentError, type Command } from "commander";
import type { Holder } from "../../../projections/sqlite/queries.js";
import {
  filterOfOptions,
  sourceOptionsOf,
  timeZoneOfOptions,
  withAuditOptions,
  withFilterOptions,
  type AuditCommandOptions,
  type FilterOptions,
} from "../../audit/auditOptions.js";
import { isEmptyFilter } from "../../audit/auditParams.js";
import { basisLine, HISTORY_COLUMNS, holdersTable } from "../../audit/auditRender.js";
import { openReadModel } from "../../readModel/openReadModel.js";
import { retime } from "../../time.js";
import { CliError, EXIT } from "../../exitCodes.js";
import { renderJson } from "../../output.js";
import type { CommandIo } from "../commandIo.js";

export function parseLimit(value: string): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1)
    throw new InvalidArgumentError("must be a whole number of rows, 1 or more");
  return limit;
}

export function registerHistoryCommand(program: Command, _exit: { code: number }, io: CommandIo): void {
  withAuditOptions(
    withFilterOptions(
      program
        .command("history")
        .description(
          "ownership intervals (who held which address, from when to when, why it ended and who ended it), oldest first",
        )
        .option("--limit <rows>", "print at most this many intervals", parseLimit),
    ),
  ).action(async (options: AuditCommandOptions & FilterOptions & { limit?: number }) => {
    const filter = filterOfOptions(options);
    if (isEmptyFilter(filter))
      throw new CliError(
        EXIT.usage,
        "history needs a filter: --ip, --cidr, --pod, --pod-uid, --container, --node, --pool, --domain, --since or --until",
      );
    const source = await openReadModel(sourceOptionsOf(options));
    try {
      const basis = await source.basis();
      const holders: Holder[] = [];
      for await (const page of source.tenancies(filter)) {
        holders.push(...page);
        if (options.limit !== undefined && holders.length >= options.limit) break;
      }
      const shown = retime(
        options.limit === undefined ? holders : holders.slice(0, options.limit),
        timeZoneOfOptions(options),
      );
      if (options.output === "json") return void io.stdout.write(`${renderJson({ holders: shown, basis })}\n`);
      io.stdout.write(`${holdersTable(shown, HISTORY_COLUMNS)}\n${basisLine(basis)}\n`);
    } finally {
      await source.close();
    }
  });
}
