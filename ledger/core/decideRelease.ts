import type { CollectGarbage, ReleaseAttachment } from "./commands.js";
import { stampEventIds, type UnstampedEvent } from "./eventIds.js";
import { EVENT_SCHEMA_VERSION, type ReleaseReason, type UnchainedEvent } from "./events.js";
import { attachmentKeyOf, type Holding, type LedgerState } from "./state.js";

function releaseEvent(
  holding: Holding,
  reason: ReleaseReason,
  command: { now: string; actor: UnchainedEvent["actor"] },
): UnstampedEvent {
  return {
    v: EVENT_SCHEMA_VERSION,
    type: "AddressReleased",
    domain: holding.domain,
    pool: holding.pool,
    at: command.now,
    actor: command.actor,
    data: { ip: holding.ip, owner: holding.owner, reason },
  };
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
  const events: UnstampedEvent[] = [];
  for (const pool of state.pools.values()) {
    if (scope && !scope.has(pool.key)) continue;
    const holding = pool.byAttachment.get(key);
    if (!holding || (only && !only.has(holding.ip))) continue;
    events.push(releaseEvent(holding, command.reason, command));
  }
  return stampEventIds(events, command.requestId);
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
  const events: UnstampedEvent[] = [];
  for (const poolKey of command.poolKeys) {
    const pool = state.pools.get(poolKey);
    if (!pool) continue;
    for (const [key, holding] of pool.byAttachment) {
      if (valid.has(key) || holding.owner.node !== command.node) continue;
      events.push(releaseEvent(holding, "cni-gc", command));
    }
  }
  return stampEventIds(events, command.requestId);
}
