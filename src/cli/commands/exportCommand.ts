import { createWriteStream } from "node:fs";
import { once } from "node:events";
import type { Writable } from "node:stream";
import type { Command } from "commander";
import {
  filterOfOptions,
  sourceOptionsOf,
  timeZoneOfOptions,
  withAuditOptions,
  withFilterOptions,
  type AuditCommandOptions,
  type FilterOptions,
} from "../../audit/auditOptions.js";
import { CHANGE_TYPES, parseTypes } from "../../audit/auditParams.js";
import { openReadModel } from "../../readModel/openReadModel.js";
import { exportWriter, parseExportFormat, parseExportKind, EXPORT_FORMATS } from "../../audit/exportFormats.js";
import type { CommandIo } from "../commandIo.js";

/** Writes `text`, waiting for the stream to drain when it asks to, so memory stays bounded. */
async function write(out: Writable, text: string): Promise<void> {
  if (text !== "" && !out.write(text)) await once(out, "drain");
}

export function registerExportCommand(program: Command, _exit: { code: number }, io: CommandIo): void {
  withAuditOptions(
    withFilterOptions(
      program
        .command("export")
        .description(
          "stream every tenancy (ownership interval) or every event matching the filters as CSV, NDJSON or JSON",
        )
        .argument("<what>", "tenancies or events")
        .option("--format <format>", EXPORT_FORMATS.join(", "), "ndjson")
        .option("--out <file>", "write to this file instead of standard output")
        .option("--type <types>", `events only: these event types, comma-separated: ${CHANGE_TYPES.join(", ")}`)
        .option("--include-voided", "events only: also export voided claims and duplicates"),
    ),
    { output: false },
  ).action(
    async (
      what: string,
      options: AuditCommandOptions &
        FilterOptions & { format: string; out?: string; type?: string; includeVoided?: boolean },
    ) => {
      const kind = parseExportKind(what, "<what>");
      const format = parseExportFormat(options.format, "--format");
      const types = parseTypes(options.type, "--type");
      const filter = {
        ...filterOfOptions(options),
        ...(types ? { types } : {}),
        includeVoided: options.includeVoided ?? false,
      };
      const source = await openReadModel(sourceOptionsOf(options));
      const out: Writable = options.out ? createWriteStream(options.out) : io.stdout;
      try {
        const writer = exportWriter(format, kind, timeZoneOfOptions(options));
        await write(out, writer.start());
        const pages = kind === "tenancies" ? source.tenancies(filter) : source.events(filter);
        for await (const page of pages as AsyncGenerator<never[]>)
          await write(out, page.map((row) => writer.row(row)).join(""));
        await write(out, writer.end());
        io.stderr.write(
          `exported ${writer.count()} ${kind} as of log positions ${JSON.stringify(await source.basis())}\n`,
        );
      } finally {
        await source.close();
        if (options.out)
          await new Promise<void>((resolve, reject) =>
            out.end((error?: Error | null) => (error ? reject(error) : resolve())),
          );
      }
    },
  );
}
