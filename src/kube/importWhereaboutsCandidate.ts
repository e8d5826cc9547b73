import {
  addressKey,
  attachmentKeyOf,
  unavailability,
  EVENT_SCHEMA_VERSION,
  formatAddress,
  newDomainRecord,
  podInterfaceKeyOf,
  type Actor,
  type Address,
  type LedgerState,
  type Owner,
} from "../../ledger/core/index.js";
import { readAllocation, resolveOwner } from "./importWhereaboutsOwner.js";
import { addressOfKey, type ResolvedPool } from "./importWhereaboutsPools.js";
import type { ConflictKind, ImportPlan, ImportRow } from "./importWhereaboutsRows.js";
import { podKey } from "./podGcDecision.js";
import type { PodSummary } from "./reconcilePodSource.js";

// One Whereabouts allocation on its way into the ledger: read into a candidate (address, owner,
// report row), then checked against the ledger the way the fold will check its event.

/** The ledger a candidate is checked against, and what its event is stamped with. */
export interface LedgerContext {
  readonly state: LedgerState;
  readonly now: string;
  readonly actor: Actor;
  readonly newId: () => string;
}

/** An allocation read from an IPPool: its address in the resolved pool, its owner, its report row. */
export interface Candidate {
  readonly pool: ResolvedPool;
  readonly address: Address;
  readonly row: ImportRow;
  readonly owner: Owner;
}

/** Reads one IPPool entry; a string says why it cannot be imported. */
export function candidateOf(
  pool: ResolvedPool,
  key: string,
  entry: unknown,
  pods: ReadonlyMap<string, PodSummary> | undefined,
  defaultIfName: string,
): Candidate | string {
  const address = addressOfKey(pool, key);
  if (typeof address === "string") return address;
  const allocation = readAllocation(entry);
  if (typeof allocation === "string") return allocation;
  const { owner, ifNameFrom } = resolveOwner(allocation, address, pods, defaultIfName);
  const row: ImportRow = {
    ippool: pool.ref,
    pool: pool.pool,
    domain: pool.domain,
    offset: key,
    ip: formatAddress(address),
    pod: podKey(owner.podNamespace, owner.podName),
    podUid: owner.podUid,
    containerId: owner.containerId,
    ifName: owner.ifName,
    ifNameFrom,
    status: "conflict",
  };
  return { pool, address, row, owner };
}

/** Checks one address against the ledger the way the fold will, then plans its event. */
export function planCandidate(
  candidate: Candidate,
  input: LedgerContext,
  plan: ImportPlan,
  batch: { attachments: Set<string>; podInterfaces: Set<string> },
): void {
  const { pool, address, row, owner } = candidate;
  const domain = input.state.domains.get(pool.domain) ?? newDomainRecord(pool.domain);
  const holder = domain.held.get(addressKey(address));
  const conflict = (kind: ConflictKind, detail: string): void =>
    void plan.conflicts.push({ kind, source: row.ippool, ip: row.ip, detail });
  if (holder) {
    // The same container, or the same pod under a newer sandbox (an adoption since the last import).
    const samePod = holder.owner.podNamespace === owner.podNamespace && holder.owner.podName === owner.podName;
    if (holder.pool === pool.pool && (holder.owner.containerId === owner.containerId || samePod))
      row.status = "present";
    else
      conflict(
        "held-in-ledger",
        `the ledger already gives ${row.ip} to ${holder.owner.podNamespace}/${holder.owner.podName} (container ${holder.owner.containerId}) in pool ${holder.pool}`,
      );
    return;
  }
  const attachment = `${pool.pool}\u0000${attachmentKeyOf(owner)}`;
  const podInterface = `${pool.pool}\u0000${podInterfaceKeyOf(owner)}`;
  if (pool.existing?.byAttachment.has(attachmentKeyOf(owner)) || batch.attachments.has(attachment)) {
    return conflict(
      "attachment-held",
      `container ${owner.containerId} interface ${owner.ifName} already holds another address in pool ${pool.pool}`,
    );
  }
  if (pool.existing?.byPodInterface.has(podInterfaceKeyOf(owner) ?? "") || batch.podInterfaces.has(podInterface)) {
    return conflict(
      "attachment-held",
      `pod ${row.pod} interface ${owner.ifName} already holds another address in pool ${pool.pool}${row.ifNameFrom === "default" ? " (the interface name was defaulted: pass --default-ifname or fix ifname in the IPPool)" : ""}`,
    );
  }
  const blocked = unavailability(
    domain,
    { name: pool.pool, window: pool.window },
    address,
    owner,
    false,
    Date.parse(input.now),
  );
  if (blocked) return conflict("blocked", blocked.message);
  batch.attachments.add(attachment);
  batch.podInterfaces.add(podInterface);
  row.status = "imported";
  row.eventId = input.newId();
  const basis = Object.fromEntries([...input.state.applied].map(([partition, next]) => [String(partition), next]));
  plan.events.push({
    v: EVENT_SCHEMA_VERSION,
    id: row.eventId,
    type: "AddressAllocated",
    domain: pool.domain,
    pool: pool.pool,
    at: input.now,
    actor: input.actor,
    data: { ip: row.ip, owner, requested: false, basis, source: "import" },
  });
}
