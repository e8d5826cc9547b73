import { appendFileSync, existsSync, readFileSync } from "node:fs";

/** One scenario's line in the fault table. */
export interface FaultRow {
  readonly scenario: string;
  /** Faults injected (kills, outages, damaged files, …). */
  readonly runs: number;
  /** CNI calls answered 0. */
  readonly acknowledged: number;
  /** "n/a" when every run ended with the agent refusing to serve (nothing served to compare). */
  readonly lost: number | "n/a";
  readonly duplicates: number;
  /** "yes (N s)" when the agent served again with no help but the restart loop; otherwise what happened. */
  readonly recovered: string;
}

/** Appends a row to the run's results file (one JSON object a line); the global teardown prints the table. */
export function recordRow(resultsFile: string, row: FaultRow): void {
  appendFileSync(resultsFile, `${JSON.stringify(row)}\n`);
}

/** The rows recorded so far, in the order they were recorded. */
export function readRows(resultsFile: string): FaultRow[] {
  if (!existsSync(resultsFile)) return [];
  return readFileSync(resultsFile, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as FaultRow);
}

/** The rows as a Markdown table, headed by the seed that replays the run. */
export function formatTable(seed: number, rows: readonly FaultRow[]): string {
  const header = ["scenario", "runs", "acknowledged operations", "lost", "duplicates", "recovered"];
  const lines = rows.map((row) =>
    [row.scenario, row.runs, row.acknowledged, row.lost, row.duplicates, row.recovered].map(String),
  );
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => (line[column] as string).length)),
  );
  const format = (cells: readonly string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] as number)).join(" | ")} |`;
  return [
    `Fault suite, seed ${seed} (replay with IPLEDGER_FAULT_SEED=${seed} npm run test:faults)`,
    "",
    format(header),
    format(widths.map((width) => "-".repeat(width))),
    ...lines.map(format),
  ].join("\n");
}
