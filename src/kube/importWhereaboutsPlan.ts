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
  type UnchainedEvent,
} from "../../ledger/core/index.js";
import { readAllocation, resolveOwner, type ResolvedOwner } from "./importWhereaboutsOwner.js";
import { addressOfKey, reservationNameOf, resolvePool, type ResolvedPool } from "./importWhereaboutsPools.js";
import type { SourcePool, SourceReservation } from "./importWhereaboutsSource.js";
import { podKey } from "./podGcDecision.js";
import type { PodSummary } from "./reconcilePodSource.js";

/**
 * The pure planner of `ipledger import-whereabouts`: Whereabouts' IPPools and ORIPs plus the
 * ledger's state in, the events to append and a report out. Running it again after its events
 * are folded plans nothing: what the ledger already holds for the same container is `present`.
 */

export type ConflictKind =
  | "invalid-pool"
  | "invalid-allocation"
  | "duplicate-ip"
  | "held-in-ledger"
  | "attachment-held"
  | "blocked"
  | "orip-mismatch"
  | "orip-orphan"
  | "voided";

export interface ImportConflict {
  readonly kind: ConflictKind;
  /** The IPPool or ORIP (`namespace/name`) it was found in. */
  readonly source: string;
  readonly ip?: string;
  readonly detail: string;
}

export interface ImportRow {
  readonly ippool: string;
  readonly pool: string;
  readonly domain: string;
  readonly offset: string;
  readonly ip: string;
  readonly pod: string;
  readonly podUid: string;
  readonly containerId: string;
  readonly ifName: string;
  readonly ifNameFrom: ResolvedOwner["ifNameFrom"];
  /** `imported`: an event is planned · `present`: the ledger already has it · `conflict`: see conflicts. */
  status: "imported" | "present" | "conflict";
  eventId?: string;
}

export interface ImportPlan {
  readonly events: UnchainedEvent[];
  /** Ledger pools this import defines (`PoolDefined`). */
  readonly definedPools: string[];
  readonly rows: ImportRow[];
  readonly conflicts: ImportConflict[];
}

export interface ImportInput {
  readonly pools: readonly SourcePool[];
  readonly reservations: readonly SourceReservation[];
  readonly pods: readonly PodSummary[] | undefined;
  readonly state: LedgerState;
  readonly defaultIfName: string;
  readonly now: string;
  readonly actor: Actor;
  readonly newId: () => string;
}

interface Candidate {
  readonly pool: ResolvedPool;
  readonly address: Address;
  readonly row: ImportRow;
  readonly owner: Owner;
}

const byName = <T extends { namespace: string; name: string }>(a: T, b: T): number =>
  podKey(a.namespace, a.name) < podKey(b.namespace, b.name) ? -1 : 1;
const byOffset = (a: string, b: string): number => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

/**
 * Plans the import. Conflicts are reported and their allocations left out; the fold would void
 * them anyway, but the report says why in Whereabouts' terms.
 *
 * @example
 *   const plan = planImport({ pools, reservations, pods, state: runner.state, defaultIfName: "net1", now, actor, newId: randomUUID });
 */
export function planImport(input: ImportInput): ImportPlan {
  const plan: ImportPlan = { events: [], definedPools: [], rows: [], conflicts: [] };
  const pods = input.pods ? new Map(input.pods.map((pod) => [podKey(pod.namespace, pod.name), pod])) : undefined;
  const reservations = new Map(input.reservations.map((orip) => [podKey(orip.namespace, orip.name), orip]));
  const seenReservations = new Set<string>();
  const candidates: Candidate[] = [];

  // 1. IPPools → ledger pools (and PoolDefined for the new ones), entries → candidates.
  for (const source of [...input.pools].sort(byName)) {
    const pool = resolvePool(source, input.state);
    if (typeof pool === "string") {
      plan.conflicts.push({ kind: "invalid-pool", source: `${source.namespace}/${source.name}`, detail: pool });
      continue;
    }
    if (pool.definition && !plan.definedPools.includes(pool.pool)) {
      plan.definedPools.push(pool.pool);
      plan.events.push({
        v: EVENT_SCHEMA_VERSION,
        id: input.newId(),
        type: "PoolDefined",
        domain: pool.domain,
        pool: pool.pool,
        at: input.now,
        actor: input.actor,
        data: pool.definition,
      });
    }
    for (const key of Object.keys(source.allocations).sort(byOffset)) {
      const candidate = candidateOf(pool, key, source.allocations[key], pods, input.defaultIfName);
      if (typeof candidate === "string")
        plan.conflicts.push({
          kind: "invalid-allocation",
          source: pool.ref,
          detail: `allocation "${key}" ${candidate}`,
        });
      else candidates.push(candidate);
    }
  }

  // 2. One address, one holder per domain: an ORIP naming one of the claimants breaks the tie.
  const groups = new Map<string, Candidate[]>();
  for (const candidate of candidates) {
    const orip = reservationOf(candidate, reservations);
    if (orip) seenReservations.add(orip.key);
    const key = `${candidate.pool.domain}\u0000${addressKey(candidate.address)}`;
    groups.set(key, [...(groups.get(key) ?? []), candidate]);
  }
  const batch = { attachments: new Set<string>(), podInterfaces: new Set<string>() };
  for (const group of groups.values()) {
    const winner =
      group.find((candidate) => reservationOf(candidate, reservations)?.orip.podref === candidate.row.pod) ??
      (group[0] as Candidate);
    for (const loser of group.filter((candidate) => candidate !== winner)) {
      loser.row.status = "conflict";
      plan.conflicts.push({
        kind: "duplicate-ip",
        source: loser.row.ippool,
        ip: loser.row.ip,
        detail: `${loser.row.ip} is also allocated to ${loser.row.pod} in IPPool ${winner.row.ippool} of the same network; kept ${winner.row.pod}'s`,
      });
    }
    planCandidate(winner, input, plan, batch);
    const orip = reservationOf(winner, reservations);
    if (orip && orip.orip.podref !== winner.row.pod) {
      plan.conflicts.push({
        kind: "orip-mismatch",
        source: orip.key,
        ip: winner.row.ip,
        detail: `the ORIP names ${orip.orip.podref} but IPPool ${winner.row.ippool} gives ${winner.row.ip} to ${winner.row.pod}; imported the IPPool's`,
      });
    }
  }

  // 3. ORIPs no IPPool allocation explains (Whereabouts #409): reported, not imported.
  for (const [key, orip] of reservations) {
    if (!seenReservations.has(key))
      plan.conflicts.push({
        kind: "orip-orphan",
        source: key,
        detail: `no IPPool allocation matches this reservation of ${orip.podref}; not imported`,
      });
  }
  plan.rows.push(...candidates.map((candidate) => candidate.row));
  return plan;
}

function candidateOf(
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

function reservationOf(
  candidate: Candidate,
  reservations: ReadonlyMap<string, SourceReservation>,
): { key: string; orip: SourceReservation } | undefined {
  const key = podKey(candidate.pool.source.namespace, reservationNameOf(candidate.address, candidate.pool.networkName));
  const orip = reservations.get(key);
  return orip ? { key, orip } : undefined;
}

/** Checks one address against the ledger the way the fold will, then plans its event. */
function planCandidate(
  candidate: Candidate,
  input: ImportInput,
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
