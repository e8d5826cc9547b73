import type Database from "better-sqlite3";
import type { LoggedEvent, Outcome, Effect, Owner } from "../../ledger/core/index.js";
import { addressToBlob, parseAddress } from "../../ledger/core/index.js";

/**
 * Writes one folded event into the projection with statements prepared once and bound by
 * position: a replay runs this millions of times, so no per-event objects beyond the bound
 * values. The caller wraps a whole batch and its checkpoint in one transaction.
 */
const INSERT_EVENT = `INSERT INTO events (partition, "offset", id, type, domain, pool, at, effective_ms, actor, status, reason, body)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const HOLDER_COLUMNS = `domain, pool, ip, ip_blob, family, container_id, if_name, pod_namespace, pod_name, pod_uid, node, requested`;
const OPEN_TENANCY = `INSERT INTO tenancies (${HOLDER_COLUMNS}, from_partition, from_offset, from_at, from_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const INSERT_ALLOCATION = `INSERT INTO allocations (${HOLDER_COLUMNS}, since_partition, since_offset, since_at, since_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const CLOSE_TENANCY = `UPDATE tenancies SET to_partition = ?, to_offset = ?, to_at = ?, to_ms = ?, end_reason = ?
  WHERE domain = ? AND ip_blob = ? AND container_id = ? AND if_name = ? AND to_offset IS NULL`;

const DELETE_ALLOCATION = `DELETE FROM allocations WHERE domain = ? AND ip_blob = ?`;

const INSERT_POOL = `INSERT INTO pools (domain, pool, partition, "offset", at, effective_ms, range, range_start, range_end, exclude, gateway, network_name, reuse_cooldown_seconds)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const INSERT_RESERVATION = `INSERT INTO reservations (domain, pool, target, note, from_offset, from_ms) VALUES (?, ?, ?, ?, ?, ?)`;

const LIFT_RESERVATION = `UPDATE reservations SET to_offset = ?, to_ms = ? WHERE domain = ? AND pool = ? AND target = ? AND to_offset IS NULL`;

/** Addresses repeat all the time in a pool's history: parse each once (bounded). */
const BLOB_CACHE_LIMIT = 200_000;

/** @example const write = projectionWriter(db); db.transaction(() => batch.forEach(({ logged, outcome }) => write(logged, outcome)))(); */
export function projectionWriter(db: Database.Database): (logged: LoggedEvent, outcome: Outcome) => void {
  const sql = {
    event: db.prepare(INSERT_EVENT),
    openTenancy: db.prepare(OPEN_TENANCY),
    insertAllocation: db.prepare(INSERT_ALLOCATION),
    closeTenancy: db.prepare(CLOSE_TENANCY),
    deleteAllocation: db.prepare(DELETE_ALLOCATION),
    pool: db.prepare(INSERT_POOL),
    reserve: db.prepare(INSERT_RESERVATION),
    lift: db.prepare(LIFT_RESERVATION),
  };
  const blobs = new Map<string, { blob: Buffer; family: number }>();
  const addressOf = (ip: string): { blob: Buffer; family: number } => {
    let known = blobs.get(ip);
    if (!known) {
      const address = parseAddress(ip);
      if (!address)
        throw new Error(`projection got an effect with a non-address ${ip}; the fold should have voided it`);
      if (blobs.size >= BLOB_CACHE_LIMIT) blobs.clear();
      known = { blob: Buffer.from(addressToBlob(address)), family: address.family };
      blobs.set(ip, known);
    }
    return known;
  };
  const holder = (domain: string, pool: string, ip: string, owner: Owner, requested: boolean): unknown[] => {
    const { blob, family } = addressOf(ip);
    return [
      domain,
      pool,
      ip,
      blob,
      family,
      owner.containerId,
      owner.ifName,
      owner.podNamespace,
      owner.podName,
      owner.podUid,
      owner.node,
      requested ? 1 : 0,
    ];
  };

  const writeEffect = (effect: Effect, logged: LoggedEvent, at: string, ms: number): void => {
    const { partition, offset } = logged;
    switch (effect.kind) {
      case "poolDefined": {
        const d = effect.definition;
        sql.pool.run(
          effect.domain,
          effect.pool,
          partition,
          offset,
          at,
          ms,
          d.range,
          d.start,
          d.end,
          JSON.stringify(d.exclude),
          d.gateway ?? null,
          d.networkName,
          d.reuseCooldownSeconds,
        );
        return;
      }
      case "tenancyOpened": {
        const values = holder(effect.domain, effect.pool, effect.ip, effect.owner, effect.requested);
        sql.openTenancy.run(...values, partition, offset, at, ms);
        sql.insertAllocation.run(...values, partition, offset, at, ms);
        return;
      }
      case "tenancyClosed": {
        const { blob } = addressOf(effect.ip);
        sql.closeTenancy.run(
          partition,
          offset,
          at,
          ms,
          effect.reason,
          effect.domain,
          blob,
          effect.owner.containerId,
          effect.owner.ifName,
        );
        sql.deleteAllocation.run(effect.domain, blob);
        return;
      }
      case "reserved":
        sql.reserve.run(effect.domain, effect.pool, effect.target, effect.note, offset, ms);
        return;
      case "reservationLifted":
        sql.lift.run(offset, ms, effect.domain, effect.pool, effect.target);
        return;
      default: {
        const unknown: never = effect;
        throw new Error(`unhandled effect ${JSON.stringify(unknown)}`);
      }
    }
  };

  return (logged, outcome) => {
    const { event } = logged;
    const ms = outcome.effectiveMs;
    sql.event.run(
      logged.partition,
      logged.offset,
      event.id,
      event.type,
      event.domain,
      event.pool,
      event.at,
      ms,
      JSON.stringify(event.actor),
      outcome.status,
      outcome.reason ?? null,
      JSON.stringify(event),
    );
    for (const effect of outcome.effects) writeEffect(effect, logged, event.at, ms);
  };
}
