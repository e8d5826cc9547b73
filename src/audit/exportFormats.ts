import { LedgerError, type Actor } from "../../ledger/core/index.js";
import type { EventView, Holder } from "../../projections/sqlite/queries.js";
import { retime, type TimeZone } from "../timeZone.js";

export const EXPORT_FORMATS = ["csv", "ndjson", "json"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const EXPORT_KINDS = ["tenancies", "events"] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

export function parseExportFormat(text: string | undefined, key: string): ExportFormat {
  const format = (text ?? "ndjson").toLowerCase();
  if (!(EXPORT_FORMATS as readonly string[]).includes(format))
    throw new LedgerError(
      "INVALID_REQUEST",
      `${key} ${JSON.stringify(text)} must be one of ${EXPORT_FORMATS.join(", ")}`,
      { key },
    );
  return format as ExportFormat;
}

export function parseExportKind(text: string | undefined, key: string): ExportKind {
  if (!(EXPORT_KINDS as readonly string[]).includes(text ?? ""))
    throw new LedgerError("INVALID_REQUEST", `${key} ${JSON.stringify(text)} must be tenancies or events`, { key });
  return text as ExportKind;
}

/** `node/component[/user]`, or empty. */
export function actorText(actor: Actor | null): string {
  if (!actor) return "";
  return [actor.node, actor.component, actor.user].filter((part) => part !== undefined && part !== "").join("/");
}

/** CSV columns of a tenancy, in order; actors flattened to `node/component[/user]`. */
export const TENANCY_COLUMNS = [
  "ip",
  "pool",
  "domain",
  "podNamespace",
  "podName",
  "podUid",
  "containerId",
  "ifName",
  "node",
  "requested",
  "from",
  "to",
  "endReason",
  "endNote",
  "fromWrittenAt",
  "toWrittenAt",
  "openedBy",
  "closedBy",
  "fromPartition",
  "fromOffset",
  "toPartition",
  "toOffset",
] as const;

/** CSV columns of an event; `data` is the event's whole data as JSON. */
export const EVENT_COLUMNS = [
  "partition",
  "offset",
  "id",
  "type",
  "domain",
  "pool",
  "at",
  "writtenAt",
  "actor",
  "status",
  "statusReason",
  "ip",
  "podNamespace",
  "podName",
  "podUid",
  "containerId",
  "ifName",
  "node",
  "reason",
  "note",
  "data",
] as const;

function tenancyCells(holder: Holder): unknown[] {
  const flat: Record<string, unknown> = {
    ...holder,
    openedBy: actorText(holder.openedBy),
    closedBy: actorText(holder.closedBy),
    fromPartition: holder.fromPosition.partition,
    fromOffset: holder.fromPosition.offset,
    toPartition: holder.toPosition?.partition,
    toOffset: holder.toPosition?.offset,
  };
  return TENANCY_COLUMNS.map((column) => flat[column]);
}

function eventCells(event: EventView): unknown[] {
  const flat: Record<string, unknown> = { ...event, actor: actorText(event.actor), data: JSON.stringify(event.data) };
  return EVENT_COLUMNS.map((column) => flat[column]);
}

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Serialises rows one at a time, so exports stream: `start()`, then `row()` per record, then
 * `end()`. JSON is one array; NDJSON one object per line; CSV a header and one line per row.
 *
 * @example const writer = exportWriter("csv", "tenancies", UTC); out.write(writer.start());
 */
export function exportWriter(format: ExportFormat, kind: ExportKind, tz: TimeZone) {
  let count = 0;
  const columns = kind === "tenancies" ? TENANCY_COLUMNS : EVENT_COLUMNS;
  return {
    start(): string {
      if (format === "csv") return `${columns.join(",")}\n`;
      return format === "json" ? "[" : "";
    },
    row(record: Holder | EventView): string {
      const shown = retime(record, tz);
      count += 1;
      if (format === "ndjson") return `${JSON.stringify(shown)}\n`;
      if (format === "json") return `${count === 1 ? "\n" : ",\n"}  ${JSON.stringify(shown)}`;
      const cells = kind === "tenancies" ? tenancyCells(shown as Holder) : eventCells(shown as EventView);
      return `${cells.map(csvField).join(",")}\n`;
    },
    end(): string {
      return format === "json" ? `${count > 0 ? "\n" : ""}]\n` : "";
    },
    count: (): number => count,
  };
}

export const CONTENT_TYPES: Readonly<Record<ExportFormat, string>> = {
  csv: "text/csv; charset=utf-8",
  ndjson: "application/x-ndjson",
  json: "application/json",
};
