import type { Actor } from "../../ledger/core/index.js";

/** A place in the log. */
export interface LogPosition {
  readonly partition: number;
  readonly offset: number;
}

/**
 * One ownership interval `[from, to)` of an address, as `who`, `history` and exports print it:
 * who held it (pod, container, interface, node), when (effective times, never going backwards
 * within a domain, plus each writer's own clock as written), which events opened and closed it,
 * who wrote those events, and why it ended.
 */
export interface Holder {
  readonly ip: string;
  readonly pool: string;
  readonly domain: string;
  readonly podNamespace: string;
  readonly podName: string;
  readonly podUid: string;
  readonly containerId: string;
  readonly ifName: string;
  readonly node: string;
  /** The address was asked for (a static/preferred IP), not picked. */
  readonly requested: boolean;
  /** ISO time the tenancy began (effective time). */
  readonly from: string;
  /** ISO time it ended, or null while it lasts. */
  readonly to: string | null;
  /** `cni-del`, `cni-gc`, `pod-deleted`, `admin`, `admin-reset`, `rollback`, `adopted`, or null while it lasts. */
  readonly endReason: string | null;
  /** The note of the release, when its writer gave one (reconciler, operators). */
  readonly endNote: string | null;
  /** The writers' clocks as they wrote the opening and closing events (they may disagree with `from`/`to`). */
  readonly fromWrittenAt: string;
  readonly toWrittenAt: string | null;
  /** Who wrote the opening and the closing event: `{node, component, user?}`. */
  readonly openedBy: Actor | null;
  readonly closedBy: Actor | null;
  readonly fromPosition: LogPosition;
  readonly toPosition: LogPosition | null;
}

/** The columns of a tenancy with the actors and note of the events that opened and closed it. */
export const HOLDER_SELECT = `SELECT t.ip, t.pool, t.domain, t.pod_namespace AS podNamespace, t.pod_name AS podName, t.pod_uid AS podUid,
    t.container_id AS containerId, t.if_name AS ifName, t.node, t.requested, t.from_partition AS fromPartition, t.from_offset AS fromOffset,
    t.from_at AS fromAt, t.from_ms AS fromMs, t.to_partition AS toPartition, t.to_offset AS toOffset, t.to_at AS toAt, t.to_ms AS toMs,
    t.end_reason AS endReason, fe.actor AS openedBy, te.actor AS closedBy,
    CASE WHEN te.type = 'AddressReleased' THEN json_extract(te.body, '$.data.note') END AS endNote
  FROM tenancies t
  LEFT JOIN events fe ON fe.partition = t.from_partition AND fe."offset" = t.from_offset
  LEFT JOIN events te ON te.partition = t.to_partition AND te."offset" = t.to_offset`;

export interface HolderRow {
  readonly ip: string;
  readonly pool: string;
  readonly domain: string;
  readonly podNamespace: string;
  readonly podName: string;
  readonly podUid: string;
  readonly containerId: string;
  readonly ifName: string;
  readonly node: string;
  readonly requested: number;
  readonly fromPartition: number;
  readonly fromOffset: number;
  readonly fromAt: string;
  readonly fromMs: number;
  readonly toPartition: number | null;
  readonly toOffset: number | null;
  readonly toAt: string | null;
  readonly toMs: number | null;
  readonly endReason: string | null;
  readonly openedBy: string | null;
  readonly closedBy: string | null;
  readonly endNote: string | null;
}

/** A writer's `at` in UTC ISO; kept as written when it is not a readable time. */
export function writtenAt(at: string): string {
  const ms = Date.parse(at);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : at;
}

function actorOf(json: string | null): Actor | null {
  if (json === null) return null;
  try {
    return JSON.parse(json) as Actor;
  } catch {
    return null;
  }
}

export function toHolder(row: HolderRow): Holder {
  return {
    ip: row.ip,
    pool: row.pool,
    domain: row.domain,
    podNamespace: row.podNamespace,
    podName: row.podName,
    podUid: row.podUid,
    containerId: row.containerId,
    ifName: row.ifName,
    node: row.node,
    requested: row.requested === 1,
    from: new Date(row.fromMs).toISOString(),
    to: row.toMs === null ? null : new Date(row.toMs).toISOString(),
    endReason: row.endReason,
    endNote: row.endNote,
    fromWrittenAt: writtenAt(row.fromAt),
    toWrittenAt: row.toAt === null ? null : writtenAt(row.toAt),
    openedBy: actorOf(row.openedBy),
    closedBy: actorOf(row.closedBy),
    fromPosition: { partition: row.fromPartition, offset: row.fromOffset },
    toPosition:
      row.toPartition === null || row.toOffset === null ? null : { partition: row.toPartition, offset: row.toOffset },
  };
}

/** `namespace/name`, or `-` for an attachment without a pod (plain CNI use). */
export function podOf(holder: Pick<Holder, "podNamespace" | "podName">): string {
  return holder.podName ? `${holder.podNamespace}/${holder.podName}` : "-";
}
