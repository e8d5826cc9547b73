/** Prints rows as an aligned table, or anything as JSON, for `--output table|json`. */
export type OutputFormat = "table" | "json";

export function parseOutput(value: string): OutputFormat {
  if (value !== "table" && value !== "json") throw new Error(`--output must be table or json, not ${value}`);
  return value;
}

export function renderTable(rows: readonly Record<string, unknown>[], columns: readonly string[]): string {
  if (rows.length === 0) return "(none)";
  const cells = rows.map((row) => columns.map((column) => format(row[column])));
  const widths = columns.map((column, index) => Math.max(column.length, ...cells.map((line) => (line[index] as string).length)));
  const line = (values: readonly string[]): string => values.map((value, index) => value.padEnd(widths[index] as number)).join("  ").trimEnd();
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
