import type { CollectGarbage, ReleaseAttachment } from "./commands.js";
import { LedgerError } from "./errors.js";
import { EVENT_SCHEMA_VERSION, type ReleaseReason, type UnchainedEvent } from "./events.js";
import { attachmentKeyOf, type Holding, type LedgerState } from "./state.js";

function releaseEvent(
  holding: Holding,
  reason: ReleaseReason,
  command: { now: string; actor: UnchainedEvent["actor"] },
  id: string,
): UnchainedEvent {
  return {
    v: EVENT_SCHEMA_VERSION,
    id,
    type: "AddressReleased",
    domain: holding.domain,
    pool: holding.pool,
    at: command.now,
    actor: command.actor,
    data: { ip: holding.ip, owner: holding.owner, reason },
  };
}

function takeId(ids: readonly string[], index: number): string {
  const id = ids[index];
  if (id === undefined)
    throw new LedgerError("INTERNAL", "decide ran out of event ids; pass one eventId per possible release");
  return id;
}

/**
 * DEL: releases what the attachment `containerId` + `ifName` holds, and nothing else. Finding
 * nothing is not an error (DEL may repeat). Scoped to `poolKeys` when given. Not scoped to a node:
 * DEL names one container explicitly, unlike GC, which infers from absence in a node-local list.
 *
 * @example
 *   decideRelease({ kind: "ReleaseAttachment", containerId: "c1", ifName: "net1", reason: "cni-del", ... }, state)
 */
export function decideRelease(command: ReleaseAttachment, state: LedgerState): UnchainedEvent[] {
  const key = attachmentKeyOf(command);
  const scope = command.poolKeys ? new Set(command.poolKeys) : undefined;
  const only = command.onlyIps ? new Set(command.onlyIps) : undefined;
  const events: UnchainedEvent[] = [];
  for (const pool of state.pools.values()) {
    if (scope && !scope.has(pool.key)) continue;
    const holding = pool.byAttachment.get(key);
    if (!holding || (only && !only.has(holding.ip))) continue;
    events.push(releaseEvent(holding, command.reason, command, takeId(command.eventIds, events.length)));
  }
  return events;
}

/**
 * GC: releases every attachment of the named pools that was recorded on `command.node` and is not
 * in that node's valid list. A runtime only knows its own containers, so another node's holdings
 * (and holdings with no recorded node) are never touched: their absence from the list means nothing.
 *
 * @example
 *   decideGarbageCollection({ kind: "CollectGarbage", node: "node-a", poolKeys, validAttachments: [...], ... }, state)
 */
export function decideGarbageCollection(command: CollectGarbage, state: LedgerState): UnchainedEvent[] {
  const valid = new Set(command.validAttachments);
  const events: UnchainedEvent[] = [];
  for (const poolKey of command.poolKeys) {
    const pool = state.pools.get(poolKey);
    if (!pool) continue;
    for (const [key, holding] of pool.byAttachment) {
      if (valid.has(key) || holding.owner.node !== command.node) continue;
      events.push(releaseEvent(holding, "cni-gc", command, takeId(command.eventIds, events.length)));
    }
  }
  return events;
}
