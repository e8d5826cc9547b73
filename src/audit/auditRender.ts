import type { Basis, EventView, Holder, PoolState } from "../../projections/sqlite/queries.js";
import { podOf } from "../../projections/sqlite/tenancyRows.js";
import { renderTable } from "../output.js";
import { actorText } from "./exportFormats.js";

const events = (count: number): string => `${count} event${count === 1 ? "" : "s"}`;

/**
 * The line every table answer ends with, saying in words how much of the log it reflects:
 * `(as of the log's first 9 events, offsets 0 to 8: later events are not in this answer)`.
 * `basis` holds, per partition, the next offset the projection will read.
 */
export function basisLine(basis: Basis): string {
  const parts = Object.entries(basis).filter(([, next]) => next > 0);
  if (parts.length === 0) return "(the projection has not read any event of the log yet)";
  const later = "later events are not in this answer";
  if (parts.length === 1 && parts[0]?.[0] === "0") {
    const next = parts[0][1];
    return `(as of the log's first ${events(next)}, offset${next === 1 ? " 0" : `s 0 to ${next - 1}`}: ${later})`;
  }
  return `(as of the log's first ${parts.map(([partition, next]) => `${events(next)} in partition ${partition}`).join(", ")}: ${later})`;
}

/** Container ids are 64 hex digits; 12 are enough to read a table, as docker prints them. */
const short = (id: string): string => (/^[0-9a-f]{64}$/.test(id) ? id.slice(0, 12) : id);

export function holderRow(holder: Holder): Record<string, unknown> {
  return {
    ...holder,
    pod: podOf(holder),
    container: short(holder.containerId),
    to: holder.to ?? "(holds it)",
    end: holder.endReason,
    by: actorText(holder.closedBy) || null,
    note: holder.endNote,
  };
}

export const WHO_COLUMNS = ["ip", "pool", "pod", "podUid", "container", "ifName", "node", "from", "to"];
export const HISTORY_COLUMNS = [
  "ip",
  "pool",
  "pod",
  "podUid",
  "container",
  "ifName",
  "node",
  "from",
  "to",
  "end",
  "by",
  "note",
];

export function holdersTable(holders: readonly Holder[], columns: readonly string[]): string {
  return renderTable(holders.map(holderRow), columns);
}

/** One line per change: what happened, to what, by whom, and why. */
export function changeRow(event: EventView): Record<string, unknown> {
  const what =
    event.type === "PoolDefined"
      ? `${String(event.data.range)} ${String(event.data.start)}-${String(event.data.end)}`
      : event.type === "CheckpointSigned"
        ? `partition ${String(event.data.partition)} offset ${String(event.data.offset)} key ${String(event.data.keyId)}`
        : event.ip;
  return {
    ...event,
    what,
    pod: event.podName ? `${event.podNamespace}/${event.podName}` : event.podName === "" ? "-" : null,
    container: event.containerId ? short(event.containerId) : null,
    actor: actorText(event.actor),
    why: event.status === "accepted" ? event.reason : `${event.status}: ${event.statusReason ?? ""}`,
  };
}

export const CHANGE_COLUMNS = ["at", "type", "pool", "what", "pod", "container", "node", "why", "note", "actor"];

export function changesTable(events: readonly EventView[]): string {
  return renderTable(events.map(changeRow), CHANGE_COLUMNS);
}

/** The pool at an instant: its definition, counts, holders, other pools' holders and reservations. */
export function poolStateText(state: PoolState): string {
  const d = state.definition;
  const lines = [
    `pool ${state.pool} (domain ${JSON.stringify(state.domain)}) at ${state.at}`,
    `  range ${d.range}, window ${d.start}-${d.end}${d.exclude.length ? `, exclude ${d.exclude.join(" ")}` : ""}${d.gateway ? `, gateway ${d.gateway}` : ""}${d.reuseCooldownSeconds ? `, cooldown ${d.reuseCooldownSeconds}s` : ""} (defined ${d.definedAt})`,
    `  window ${state.counts.window} addresses: ${state.counts.held} held, ${state.counts.excluded} excluded, ${state.counts.reserved} reserved, ${state.counts.free} free`,
    "",
    holdersTable(state.holders, WHO_COLUMNS),
  ];
  if (state.otherPools.length > 0)
    lines.push("", "held through overlapping pools of the domain:", holdersTable(state.otherPools, WHO_COLUMNS));
  if (state.reservations.length > 0)
    lines.push("", "reserved:", renderTable(state.reservations, ["target", "note", "from", "to"]));
  return lines.join("\n");
}
