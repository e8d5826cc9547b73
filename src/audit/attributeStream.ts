import type { Readable, Writable } from "node:stream";
import { isLedgerError, LedgerError } from "../../ledger/core/index.js";
import type { Attribution } from "../../projections/sqlite/attributionResolver.js";
import type { Holder } from "../../projections/sqlite/queries.js";
import { parseInstant } from "../time.js";
import { answerRenderer } from "./attributeAnswers.js";
import { csvFields } from "./csvLine.js";
import { CSV_HEADER_SUFFIX } from "./attributeAnswers.js";

export interface AttributeOptions {
  readonly format: "csv" | "ndjson";
  /** CSV: a 1-based column number, or a header name with `header`; NDJSON: a field name or dotted path. */
  readonly ipColumn: string;
  readonly timeColumn: string;
  /** CSV: the first line is a header, written back with the new columns' names. */
  readonly header?: boolean;
  /** The zone of input times written without one (`Z`, `+01:00`); without it such times are invalid lines. */
  readonly assumeZone?: string;
  /** Probes per lookup round (default 2000). */
  readonly batchSize?: number;
  readonly nowMs?: number;
}

export interface AttributeStats {
  lines: number;
  attributed: number;
  unallocated: number;
  invalid: number;
  /** The first few invalid lines: `line N: why`. */
  readonly problems: string[];
}

/** Answers a batch of probes; the audit sources implement it. */
export type Attributor = (probes: readonly { readonly ip: string; readonly atMs: number }[]) => Promise<Attribution[]>;

interface Pending {
  /** The line's number in the input, from 1. */
  readonly number: number;
  readonly text: string;
  readonly carriageReturn: boolean;
  readonly probe?: { ip: string; atMs: number };
  readonly invalid?: string;
  /** A blank line: written back as it is, in its place. */
  readonly blank?: boolean;
}

function pathValue(record: unknown, path: string): unknown {
  let value = record;
  for (const part of path.split("."))
    value = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[part] : undefined;
  return value;
}

/**
 * Reads firewall or flow log lines from `input`, one `(ip, time)` per line, and writes each line
 * back unchanged with the holder of that address at that instant appended: for CSV the columns
 * `holder,pod_uid,node,pool` (`unallocated,,,` when nobody held it, `invalid,,,` when the line
 * could not be read); for NDJSON an `"ipledger"` member `{status, holders}`. Memory stays
 * bounded: one batch of lines in flight, output written as it goes with backpressure.
 *
 * @example await attributeStream(createReadStream("fw.csv"), process.stdout, source.attribute, { format: "csv", ipColumn: "2", timeColumn: "1" });
 */
export async function attributeStream(
  input: Readable,
  output: Writable,
  attribute: Attributor,
  options: AttributeOptions,
  onProgress?: (bytes: number, stats: AttributeStats) => void,
): Promise<AttributeStats> {
  const stats: AttributeStats = { lines: 0, attributed: 0, unallocated: 0, invalid: 0, problems: [] };
  const batchSize = options.batchSize ?? 2_000;
  const nowMs = options.nowMs ?? Date.now();
  let ipIndex = options.format === "csv" && /^\d+$/.test(options.ipColumn) ? Number(options.ipColumn) - 1 : -1;
  let timeIndex = options.format === "csv" && /^\d+$/.test(options.timeColumn) ? Number(options.timeColumn) - 1 : -1;
  if (options.format === "csv" && (ipIndex < 0 || timeIndex < 0) && !options.header) {
    throw new LedgerError(
      "INVALID_REQUEST",
      "--ip-column and --time-column are 1-based column numbers for CSV, or header names with --header",
      { key: "--ip-column" },
    );
  }
  let lastTimeText = "";
  let lastTimeMs = 0;
  const timeOf = (text: string): number => {
    if (text !== lastTimeText) {
      lastTimeMs = parseInstant(text, "time", nowMs, options.assumeZone ? { assumeZone: options.assumeZone } : {});
      lastTimeText = text;
    }
    return lastTimeMs;
  };

  const readLine = (text: string, number: number): Pending => {
    const carriageReturn = text.endsWith("\r");
    const line = carriageReturn ? text.slice(0, -1) : text;
    try {
      let ip: unknown;
      let time: unknown;
      if (options.format === "csv") {
        const fields = csvFields(line);
        [ip, time] = [fields[ipIndex], fields[timeIndex]];
      } else {
        const record = JSON.parse(line) as unknown;
        if (record === null || typeof record !== "object" || Array.isArray(record))
          throw new Error("the line is not a JSON object");
        [ip, time] = [pathValue(record, options.ipColumn), pathValue(record, options.timeColumn)];
      }
      if (typeof ip !== "string" || ip === "")
        throw new Error(
          `no address in ${options.format === "csv" ? `column ${ipIndex + 1}` : `field ${options.ipColumn}`}`,
        );
      if (typeof time !== "string" && typeof time !== "number")
        throw new Error(
          `no time in ${options.format === "csv" ? `column ${timeIndex + 1}` : `field ${options.timeColumn}`}`,
        );
      return { number, text: line, carriageReturn, probe: { ip: ip.trim(), atMs: timeOf(String(time)) } };
    } catch (error) {
      return {
        number,
        text: line,
        carriageReturn,
        invalid: isLedgerError(error) || error instanceof Error ? error.message : String(error),
      };
    }
  };

  const appended = answerRenderer(options.format);
  const render = (pending: Pending, found: Attribution | undefined): string => {
    const eol = pending.carriageReturn ? "\r\n" : "\n";
    if (pending.blank) return `${pending.text}${eol}`;
    const invalid = pending.invalid ?? (found && "invalid" in found ? found.invalid : undefined);
    const answer = found && "holders" in found ? found : { holders: [] as Holder[] };
    if (invalid !== undefined) {
      stats.invalid += 1;
      if (stats.problems.length < 5) stats.problems.push(`line ${pending.number}: ${invalid}`);
    } else if ((("count" in answer ? answer.count : undefined) ?? answer.holders.length) > 0) stats.attributed += 1;
    else stats.unallocated += 1;
    return appended(pending.text, invalid !== undefined ? { invalid } : answer, eol);
  };

  let batch: Pending[] = [];
  const write = (text: string): Promise<void> | undefined =>
    output.write(text) ? undefined : new Promise((resolve) => output.once("drain", resolve));
  const flush = async (): Promise<void> => {
    const pending = batch;
    batch = [];
    const probes = pending.flatMap((line) => (line.probe ? [line.probe] : []));
    const answers = probes.length > 0 ? await attribute(probes) : [];
    let next = 0;
    let text = "";
    for (const line of pending) {
      if (!line.blank) stats.lines += 1;
      text += render(line, line.probe ? answers[next++] : undefined);
    }
    await write(text);
  };

  let rest = "";
  let bytes = 0;
  let number = 0;
  let first = true;
  for await (const chunk of input as AsyncIterable<string | Buffer>) {
    const text = typeof chunk === "string" ? chunk : chunk.toString("utf8");
    bytes += Buffer.byteLength(text);
    const lines = (rest + text).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) {
      number += 1;
      if (first && options.header && options.format === "csv") {
        first = false;
        const names = csvFields(line.replace(/\r$/, ""));
        if (ipIndex < 0) ipIndex = names.indexOf(options.ipColumn);
        if (timeIndex < 0) timeIndex = names.indexOf(options.timeColumn);
        if (ipIndex < 0 || timeIndex < 0)
          throw new LedgerError(
            "INVALID_REQUEST",
            `the header has no column ${ipIndex < 0 ? options.ipColumn : options.timeColumn}; it has ${names.join(", ")}`,
            { key: ipIndex < 0 ? "--ip-column" : "--time-column" },
          );
        await write(
          line.endsWith("\r") ? `${line.slice(0, -1)}${CSV_HEADER_SUFFIX}\r\n` : `${line}${CSV_HEADER_SUFFIX}\n`,
        );
        continue;
      }
      first = false;
      if (line === "" || line === "\r") {
        batch.push({ number, text: "", carriageReturn: line === "\r", blank: true }); // blank lines pass through
        continue;
      }
      batch.push(readLine(line, number));
      if (batch.length >= batchSize) {
        await flush();
        onProgress?.(bytes, stats);
      }
    }
  }
  // A last line without a newline is written back with one: appending needs a line end.
  if (rest !== "") batch.push(readLine(rest, number + 1));
  if (batch.length > 0) await flush();
  onProgress?.(bytes, stats);
  return stats;
}
