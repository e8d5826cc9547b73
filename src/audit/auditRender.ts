import type { Basis, EventView, Holder, PoolState } from "../../projections/sqlite/queries.js";
import { podOf } from "../../projections/sqlite/tenancyRows.js";
import { renderTable } from "../cli/output.js";
import { actorText } from "./exportFormats.js";

/** `as of log positions 0:42 1:7` — what every table answer ends with. */
export function basisLine(basis: Basis): string {
  const positions = Object.entries(basis).map(([partition, next]) => `${partition}:${next}`);
  return `(as of log position${positions.length === 1 ? "" : "s"} ${positions.join(" ") || "none: the projection is empty"}; partition:next offset)`;
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
export const HISTORY_COLUMNS = ["ip", "pool", "pod", "podUid", "container", "ifName", "node", "from", "to", "end", "by", "note"];

export function holdersTable(holders: readonly Holder[], columns: readonly string[]): string {
  return renderTable(holders.map(holderRow), columns);
}

/** One line per change: what happened, to what, by whom, and why. */
export function changeRow(event: EventView): Record<string, unknown> {
  const what = event.type === "PoolDefined" ? `${String(event.data.range)} ${String(event.data.start)}-${String(event.data.end)}`
    : event.type === "CheckpointSigned" ? `partition ${String(event.data.partition)} offset ${String(event.data.offset)} key ${String(event.data.keyId)}`
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
  if (state.otherPools.length > 0) lines.push("", "held through overlapping pools of the domain:", holdersTable(state.otherPools, WHO_COLUMNS));
  if (state.reservations.length > 0) lines.push("", "reserved:", renderTable(state.reservations, ["target", "note", "from", "to"]));
  return lines.join("\n");
}
