// What the import-whereabouts planner reports: a row per Whereabouts allocation, the conflicts it
// found in Whereabouts' terms, and the events it plans.

import type { UnchainedEvent } from "../../ledger/core/index.js";
import type { ResolvedOwner } from "./importWhereaboutsOwner.js";

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
