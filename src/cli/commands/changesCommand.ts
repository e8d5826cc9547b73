import type { Command } from "commander";
import type { EventView } from "../../../projections/sqlite/queries.js";
import {
  filterOfOptions,
  sourceOptionsOf,
  timeZoneOfOptions,
  withAuditOptions,
  withFilterOptions,
  type AuditCommandOptions,
  type FilterOptions,
} from "../../audit/auditOptions.js";
import { CHANGE_TYPES, DEFAULT_CHANGE_TYPES, parseTypes } from "../../audit/auditParams.js";
import { basisLine, changesTable } from "../../audit/auditRender.js";
import { openReadModel } from "../../readModel/openReadModel.js";
import { retime } from "../../time.js";
import { CliError, EXIT } from "../../exitCodes.js";
import { renderJson } from "../../output.js";
import { parseLimit } from "./historyCommand.js";
import type { CommandIo } from "../commandIo.js";

export function registerChangesCommand(program: Command, _exit: { code: number }, io: CommandIo): void {
  withAuditOptions(
    withFilterOptions(
      program
        .command("changes")
        .description(
          "every allocation, release, adoption, reservation and pool (re)definition in a time window, with who wrote it and why",
        )
        .option(
          "--type <types>",
          `only these event types, comma-separated: ${CHANGE_TYPES.join(", ")} (default: all but CheckpointSigned)`,
        )
        .option(
          "--include-voided",
          "also list claims the fold voided (lost races, held or reserved addresses) and duplicates",
        )
        .option("--limit <rows>", "print at most this many changes", parseLimit),
    ),
  ).action(
    async (
      options: AuditCommandOptions & FilterOptions & { type?: string; includeVoided?: boolean; limit?: number },
    ) => {
      if (!options.since)
        throw new CliError(
          EXIT.usage,
          "changes needs --since TIME (and optionally --until TIME), e.g. --since '1d ago'",
        );
      const types = parseTypes(options.type, "--type") ?? DEFAULT_CHANGE_TYPES;
      const filter = { ...filterOfOptions(options), types, includeVoided: options.includeVoided ?? false };
      const source = await openReadModel(sourceOptionsOf(options));
      try {
        const basis = await source.basis();
        const changes: EventView[] = [];
        for await (const page of source.events(filter)) {
          changes.push(...page);
          if (options.limit !== undefined && changes.length >= options.limit) break;
        }
        const shown = retime(
          options.limit === undefined ? changes : changes.slice(0, options.limit),
          timeZoneOfOptions(options),
        );
        if (options.output === "json") return void io.stdout.write(`${renderJson({ changes: shown, basis })}\n`);
        io.stdout.write(`${changesTable(shown)}\n${basisLine(basis)}\n`);
      } finally {
        await source.close();
      }
    },
  );
}
