import type Database from "better-sqlite3";
import type { LoggedEvent, Outcome, Effect } from "../../ledger/core/index.js";
import { HOLDER_COLUMNS, holderRows, type AddressColumns } from "./holderRows.js";

/**
 * Writes one folded event into the projection with statements prepared once and bound by
 * position: a replay runs this millions of times, so no per-event objects beyond the bound
 * values. The caller wraps a whole batch and its checkpoint in one transaction.
 */
const INSERT_EVENT = `INSERT INTO events (partition, "offset", id, type, domain, pool, at, effective_ms, actor, status, reason, body)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const OPEN_TENANCY = `INSERT INTO tenancies (${HOLDER_COLUMNS}, from_partition, from_offset, from_at, from_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
export const INSERT_ALLOCATION = `INSERT INTO allocations (${HOLDER_COLUMNS}, since_partition, since_offset, since_at, since_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const CLOSE_TENANCY = `UPDATE tenancies SET to_partition = ?, to_offset = ?, to_at = ?, to_ms = ?, end_reason = ?
  WHERE domain = ? AND ip_blob = ? AND container_id = ? AND if_name = ? AND to_offset IS NULL`;

const DELETE_ALLOCATION = `DELETE FROM allocations WHERE domain = ? AND ip_blob = ?`;

const INSERT_POOL = `INSERT INTO pools (domain, pool, partition, "offset", at, effective_ms, range, range_start, range_end, exclude, gateway, network_name, reuse_cooldown_seconds)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

const INSERT_RESERVATION = `INSERT INTO reservations (domain, pool, target, note, from_offset, from_ms) VALUES (?, ?, ?, ?, ?, ?)`;

const LIFT_RESERVATION = `UPDATE reservations SET to_offset = ?, to_ms = ? WHERE domain = ? AND pool = ? AND target = ? AND to_offset IS NULL`;

/** Where an effect happened: partition, offset, the writer's `at` and the effective ms. */
export type EffectPosition = readonly [partition: number, offset: number, at: string, ms: number];

type Opened = Extract<Effect, { kind: "tenancyOpened" }>;
type Closed = Extract<Effect, { kind: "tenancyClosed" }>;

/**
 * How tenancies and allocations reach the file: at once, row by row (the live fold), or held
 * back until the interval closes (`deferredTenancies`, for a replay into an empty file).
 */
export interface TenancyWriter {
  opened(effect: Opened, holder: unknown[], at: EffectPosition): void;
  closed(effect: Closed, address: AddressColumns, at: EffectPosition): void;
}

/** The live fold's tenancies: insert on open, update and delete on close. */
function immediateTenancies(db: Database.Database): TenancyWriter {
  const sql = {
    openTenancy: db.prepare(OPEN_TENANCY),
    insertAllocation: db.prepare(INSERT_ALLOCATION),
    closeTenancy: db.prepare(CLOSE_TENANCY),
    deleteAllocation: db.prepare(DELETE_ALLOCATION),
  };
  return {
    opened(_effect, holder, from) {
      sql.openTenancy.run(...holder, ...from);
      sql.insertAllocation.run(...holder, ...from);
    },
    closed(effect, { blob }, to) {
      const { containerId, ifName } = effect.owner;
      sql.closeTenancy.run(...to, effect.reason, effect.domain, blob, containerId, ifName);
      sql.deleteAllocation.run(effect.domain, blob);
    },
  };
}

/**
 * @example const write = projectionWriter(db); db.transaction(() => batch.forEach(({ logged, outcome }) => write(logged, outcome)))();
 */
export function projectionWriter(
  db: Database.Database,
  tenancies: TenancyWriter = immediateTenancies(db),
): (logged: LoggedEvent, outcome: Outcome) => void {
  const sql = {
    event: db.prepare(INSERT_EVENT),
    pool: db.prepare(INSERT_POOL),
    reserve: db.prepare(INSERT_RESERVATION),
    lift: db.prepare(LIFT_RESERVATION),
  };
  const { addressOf, holder } = holderRows();

  const writeEffect = (effect: Effect, position: EffectPosition): void => {
    const [partition, offset, at, ms] = position;
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
      case "tenancyOpened":
        tenancies.opened(
          effect,
          holder(effect.domain, effect.pool, effect.ip, effect.owner, effect.requested),
          position,
        );
        return;
      case "tenancyClosed":
        tenancies.closed(effect, addressOf(effect.ip), position);
        return;
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
    if (outcome.effects.length === 0) return;
    const position: EffectPosition = [logged.partition, logged.offset, event.at, ms];
    for (const effect of outcome.effects) writeEffect(effect, position);
  };
}
