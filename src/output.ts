import { LedgerError } from "../ledger/core/index.js";

/** Prints rows as an aligned table, or anything as JSON, for `--output table|json`. */
export const OUTPUT_FORMATS = ["table", "json"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Commander's parser for `--output`: an unknown format is INVALID_REQUEST, a usage error (exit 2). */
export function parseOutput(value: string): OutputFormat {
  if (!(OUTPUT_FORMATS as readonly string[]).includes(value)) {
    throw new LedgerError(
      "INVALID_REQUEST",
      `--output must be ${OUTPUT_FORMATS.join(" or ")}, not ${JSON.stringify(value)}`,
      { key: "--output" },
    );
  }
  return value as OutputFormat;
}

export function renderTable(rows: readonly Record<string, unknown>[], columns: readonly string[]): string {
  if (rows.length === 0) return "(none)";
  const cells = rows.map((row) => columns.map((column) => format(row[column])));
  const widths = columns.map((column, index) =>
    Math.max(column.length, ...cells.map((line) => (line[index] as string).length)),
  );
  const line = (values: readonly string[]): string =>
    values
      .map((value, index) => value.padEnd(widths[index] as number))
      .join("  ")
      .trimEnd();
  return [line(columns.map((column) => column.toUpperCase())), ...cells.map(line)].join("\n");
}

function format(value: unknown): string {
  if (value === null || value === undefined) return "-";
  if (Array.isArray(value)) return value.join(",");
  return String(value);
}

export function renderJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
