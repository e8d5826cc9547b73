import { createReadStream, createWriteStream, statSync } from "node:fs";
import type { Readable, Writable } from "node:stream";
import cliProgress from "cli-progress";
import { InvalidArgumentError, type Command } from "commander";
import { sourceOptionsOf, withAuditOptions, type AuditCommandOptions } from "../../audit/auditOptions.js";
import { attributeStream, type AttributeStats } from "../../audit/attributeStream.js";
import { openReadModel } from "../../readModel/openReadModel.js";
import { CliError, EXIT } from "../../exitCodes.js";
import type { CommandIo } from "../commandIo.js";

function parseInputFormat(value: string): "csv" | "ndjson" {
  if (value !== "csv" && value !== "ndjson") throw new InvalidArgumentError("must be csv or ndjson");
  return value;
}

function parseZone(value: string): string {
  if (!/^(Z|[+-]\d{2}:?\d{2})$/i.test(value))
    throw new InvalidArgumentError(
      "must be Z or an offset like +01:00 (a named zone would be ambiguous at DST changes)",
    );
  return value;
}

/** A bar on standard error when it is a terminal, by bytes of a file or by lines of a pipe. */
function progressFor(input: string): ((bytes: number, stats: AttributeStats) => void) & { stop(): void } {
  if (!process.stderr.isTTY) return Object.assign(() => undefined, { stop: () => undefined });
  const total = input === "-" ? 0 : statSync(input).size;
  const bar = new cliProgress.SingleBar(
    {
      format: total
        ? "attribute [{bar}] {percentage}% | {lines} lines | {lps} lines/s"
        : "attribute {lines} lines | {lps} lines/s",
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  bar.start(total || 1, 0, { lines: 0, lps: 0 });
  const update = (bytes: number, stats: AttributeStats) =>
    bar.update(total ? bytes : 0, {
      lines: stats.lines,
      lps: Math.round(stats.lines / Math.max(0.001, (Date.now() - started) / 1000)),
    });
  return Object.assign(update, { stop: () => bar.stop() });
}

export function registerAttributeCommand(program: Command, _exit: { code: number }, io: CommandIo): void {
  withAuditOptions(
    program
      .command("attribute")
      .description(
        "append to every line of a firewall or flow log (one address and time per line) the pod that held the address then, or 'unallocated'",
      )
      .requiredOption("--input <file>", "the log to attribute; - for standard input")
      .option("--format <format>", "csv or ndjson", parseInputFormat, "csv")
      .option(
        "--ip-column <n|name>",
        "CSV: 1-based column number (or header name with --header); NDJSON: field name or dotted path",
        undefined,
      )
      .option(
        "--time-column <n|name>",
        "CSV: 1-based column number (or header name with --header); NDJSON: field name or dotted path",
        undefined,
      )
      .option(
        "--header",
        "CSV: the first line names the columns; it is written back with holder,pod_uid,node,pool appended",
      )
      .option(
        "--assume-zone <zone>",
        "the zone of times written without one (Z or +01:00); otherwise such lines are marked invalid",
      )
      .option("--out <file>", "write to this file instead of standard output"),
    { output: false },
  ).action(
    async (
      options: AuditCommandOptions & {
        input: string;
        format: "csv" | "ndjson";
        ipColumn?: string;
        timeColumn?: string;
        header?: boolean;
        assumeZone?: string;
        out?: string;
      },
    ) => {
      const assumeZone = options.assumeZone === undefined ? undefined : parseZone(options.assumeZone);
      const ipColumn = options.ipColumn ?? (options.format === "csv" ? "2" : "ip");
      const timeColumn = options.timeColumn ?? (options.format === "csv" ? "1" : "time");
      let input: Readable;
      try {
        if (options.input !== "-") statSync(options.input);
        input =
          options.input === "-"
            ? process.stdin.setEncoding("utf8")
            : createReadStream(options.input, { encoding: "utf8", highWaterMark: 1 << 20 });
      } catch (error) {
        throw new CliError(
          EXIT.notFound,
          `--input ${options.input} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
        );
      }
      const source = await openReadModel(sourceOptionsOf(options));
      const out: Writable = options.out ? createWriteStream(options.out) : io.stdout;
      const progress = progressFor(options.input);
      try {
        const stats = await attributeStream(
          input,
          out,
          (probes) => source.attribute(probes),
          {
            format: options.format,
            ipColumn,
            timeColumn,
            header: options.header ?? false,
            ...(assumeZone ? { assumeZone } : {}),
          },
          progress,
        );
        progress.stop();
        const basis = await source.basis();
        io.stderr.write(
          `attributed ${stats.lines} lines: ${stats.attributed} held, ${stats.unallocated} unallocated, ${stats.invalid} invalid (as of log positions ${JSON.stringify(basis)})\n`,
        );
        for (const problem of stats.problems) io.stderr.write(`  invalid ${problem}\n`);
      } finally {
        progress.stop();
        await source.close();
        if (options.out)
          await new Promise<void>((resolve, reject) =>
            out.end((error?: Error | null) => (error ? reject(error) : resolve())),
          );
      }
    },
  );
}
