import type { LoggedEvent, Outcome, Effect, Owner } from "../../ledger/core/index.js";
import { addressToBlob, parseAddress } from "../../ledger/core/index.js";

/**
 * Turns one folded event into SQL statements for the projection, without running them: the
 * projector runs a whole batch and its checkpoint in one transaction.
 */
export interface Statement {
  readonly sql: string;
  readonly params: Readonly<Record<string, unknown>>;
}

const INSERT_EVENT = `INSERT INTO events (partition, "offset", id, type, domain, pool, at, effective_ms, actor, status, reason, body)
  VALUES (@partition, @offset, @id, @type, @domain, @pool, @at, @effectiveMs, @actor, @status, @reason, @body)`;

const OPEN_TENANCY = `INSERT INTO tenancies (domain, pool, ip, ip_blob, family, container_id, if_name, pod_namespace, pod_name, pod_uid, node, requested, from_partition, from_offset, from_at, from_ms)
  VALUES (@domain, @pool, @ip, @ipBlob, @family, @containerId, @ifName, @podNamespace, @podName, @podUid, @node, @requested, @partition, @offset, @at, @effectiveMs)`;

const INSERT_ALLOCATION = `INSERT INTO allocations (domain, pool, ip, ip_blob, family, container_id, if_name, pod_namespace, pod_name, pod_uid, node, requested, since_partition, since_offset, since_at, since_ms)
  VALUES (@domain, @pool, @ip, @ipBlob, @family, @containerId, @ifName, @podNamespace, @podName, @podUid, @node, @requested, @partition, @offset, @at, @effectiveMs)`;

const CLOSE_TENANCY = `UPDATE tenancies SET to_partition = @partition, to_offset = @offset, to_at = @at, to_ms = @effectiveMs, end_reason = @reason
  WHERE domain = @domain AND ip_blob = @ipBlob AND container_id = @containerId AND if_name = @ifName AND to_offset IS NULL`;

const DELETE_ALLOCATION = `DELETE FROM allocations WHERE domain = @domain AND ip_blob = @ipBlob`;

const INSERT_POOL = `INSERT INTO pools (domain, pool, partition, "offset", at, effective_ms, range, range_start, range_end, exclude, gateway, network_name, reuse_cooldown_seconds)
  VALUES (@domain, @pool, @partition, @offset, @at, @effectiveMs, @range, @start, @end, @exclude, @gateway, @networkName, @reuseCooldownSeconds)`;

const INSERT_RESERVATION = `INSERT INTO reservations (domain, pool, target, note, from_offset, from_ms) VALUES (@domain, @pool, @target, @note, @offset, @effectiveMs)`;

const LIFT_RESERVATION = `UPDATE reservations SET to_offset = @offset, to_ms = @effectiveMs WHERE domain = @domain AND pool = @pool AND target = @target AND to_offset IS NULL`;

function ownerParams(owner: Owner): Record<string, string> {
  return {
    containerId: owner.containerId,
    ifName: owner.ifName,
    podNamespace: owner.podNamespace,
    podName: owner.podName,
    podUid: owner.podUid,
    node: owner.node,
  };
}

function addressParams(ip: string): { ipBlob: Buffer; family: number } {
  const address = parseAddress(ip);
  if (!address) throw new Error(`projection got an effect with a non-address ${ip}; the fold should have voided it`);
  return { ipBlob: Buffer.from(addressToBlob(address)), family: address.family };
}

function effectStatements(effect: Effect, where: Record<string, unknown>): Statement[] {
  switch (effect.kind) {
    case "poolDefined": {
      const d = effect.definition;
      const params = { ...where, domain: effect.domain, pool: effect.pool, range: d.range, start: d.start, end: d.end, exclude: JSON.stringify(d.exclude), gateway: d.gateway ?? null, networkName: d.networkName, reuseCooldownSeconds: d.reuseCooldownSeconds };
      return [{ sql: INSERT_POOL, params }];
    }
    case "tenancyOpened": {
      const params = { ...where, domain: effect.domain, pool: effect.pool, ip: effect.ip, ...addressParams(effect.ip), ...ownerParams(effect.owner), requested: effect.requested ? 1 : 0 };
      return [{ sql: OPEN_TENANCY, params }, { sql: INSERT_ALLOCATION, params }];
    }
    case "tenancyClosed": {
      const params = { ...where, domain: effect.domain, ...addressParams(effect.ip), ...ownerParams(effect.owner), reason: effect.reason };
      return [{ sql: CLOSE_TENANCY, params }, { sql: DELETE_ALLOCATION, params }];
    }
    case "reserved":
      return [{ sql: INSERT_RESERVATION, params: { ...where, domain: effect.domain, pool: effect.pool, target: effect.target, note: effect.note } }];
    case "reservationLifted":
      return [{ sql: LIFT_RESERVATION, params: { ...where, domain: effect.domain, pool: effect.pool, target: effect.target } }];
    default: {
      const unknown: never = effect;
      throw new Error(`unhandled effect ${JSON.stringify(unknown)}`);
    }
  }
}

/** The statements that record `logged` and what the fold made of it. */
export function statementsFor(logged: LoggedEvent, outcome: Outcome): Statement[] {
  const { event } = logged;
  const where = { partition: logged.partition, offset: logged.offset, at: event.at, effectiveMs: outcome.effectiveMs };
  const row: Statement = {
    sql: INSERT_EVENT,
    params: {
      ...where,
      id: event.id,
      type: event.type,
      domain: event.domain,
      pool: event.pool,
      actor: JSON.stringify(event.actor),
      status: outcome.status,
      reason: outcome.reason ?? null,
      body: JSON.stringify(event),
    },
  };
  return [row, ...outcome.effects.flatMap((effect) => effectStatements(effect, where))];
}
