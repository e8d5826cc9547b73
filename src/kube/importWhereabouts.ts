import { randomUUID } from "node:crypto";
import type { Actor } from "../../ledger/core/index.js";
import type { EventLog } from "../../ledger/log/eventLog.js";
import type { ProjectionRunner } from "../../projections/runner.js";
import { appendAndWait } from "../cni/appendAndWait.js";
import { planImport } from "./importWhereaboutsPlan.js";
import type { ImportConflict, ImportRow } from "./importWhereaboutsRows.js";
import type { WhereaboutsSnapshot } from "./importWhereaboutsSource.js";

export interface ImportReport {
  readonly dryRun: boolean;
  readonly definedPools: readonly string[];
  readonly rows: readonly ImportRow[];
  readonly conflicts: readonly ImportConflict[];
  readonly warnings: readonly string[];
  readonly summary: { readonly imported: number; readonly present: number; readonly conflicts: number };
}

export interface ImportDeps {
  readonly log: EventLog;
  /** Started and caught up: the plan is made against its state. */
  readonly runner: ProjectionRunner;
  readonly snapshot: WhereaboutsSnapshot;
  readonly defaultIfName: string;
  readonly dryRun: boolean;
  readonly actor: Actor;
  readonly now?: () => Date;
  readonly newId?: () => string;
  readonly appendTimeoutMs?: number;
}

/**
 * Plans the import against the folded ledger and, unless `dryRun`, appends the events and waits
 * for the fold. An allocation the fold voids (a writer got there first) becomes a `voided` conflict.
 *
 * @example
 *   const report = await importWhereabouts({ log, runner, snapshot: await readWhereabouts(kc, "kube-system"), defaultIfName: "net1", dryRun: false, actor });
 */
export async function importWhereabouts(deps: ImportDeps): Promise<ImportReport> {
  const now = (deps.now ?? (() => new Date()))().toISOString();
  const { pools, reservations, pods, warnings } = deps.snapshot;
  const plan = planImport({
    pools,
    reservations,
    pods,
    state: deps.runner.state,
    defaultIfName: deps.defaultIfName,
    now,
    actor: deps.actor,
    newId: deps.newId ?? randomUUID,
  });
  if (!deps.dryRun && plan.events.length > 0) {
    const outcomes = await appendAndWait(deps.log, deps.runner, plan.events, deps.appendTimeoutMs ?? 60_000);
    for (const row of plan.rows) {
      const outcome = row.eventId ? outcomes.get(row.eventId) : undefined;
      if (!outcome || outcome.status === "accepted") continue;
      row.status = "conflict";
      plan.conflicts.push({
        kind: "voided",
        source: row.ippool,
        ip: row.ip,
        detail: `the ledger voided the import: ${outcome.reason ?? outcome.status}`,
      });
    }
  }
  const count = (status: ImportRow["status"]): number => plan.rows.filter((row) => row.status === status).length;
  return {
    dryRun: deps.dryRun,
    definedPools: plan.definedPools,
    rows: plan.rows,
    conflicts: plan.conflicts,
    warnings,
    summary: { imported: count("imported"), present: count("present"), conflicts: plan.conflicts.length },
  };
}
