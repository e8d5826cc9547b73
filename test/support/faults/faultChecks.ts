import Database from "better-sqlite3";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { checkInvariants } from "../../../projections/invariants.js";
import { ipledger } from "../cli/spawnedCli.js";
import { REPO_ROOT } from "../repoRoot.js";
import type { Supervisor } from "./supervisor.js";
import type { Workload } from "./workload.js";

/** What the pods were promised against what the agent serves after a fault. */
export interface StateCheck {
  /** Acknowledged ADDs whose address the container no longer holds, and acknowledged DELs whose container still holds one. */
  readonly lost: string[];
  /** Addresses that two pods hold, as the runtime sees it or in the served allocations. */
  readonly duplicates: string[];
}

/**
 * After the runtime's retries (`settle`), compares the served allocations with what every
 * acknowledged call promised: each container whose last acknowledged call is an ADD holds exactly
 * that address, each whose last one is a DEL holds nothing, and no address has two holders.
 */
export async function checkServedState(
  supervisor: Supervisor,
  workload: Workload,
  settleTimeoutMs = 60_000,
): Promise<StateCheck> {
  await supervisor.waitServing(settleTimeoutMs);
  await workload.settle(settleTimeoutMs);
  const agent = supervisor.serving() ?? (await supervisor.waitServing(settleTimeoutMs), supervisor.serving());
  if (!agent) throw new Error("no agent serves to read the allocations from");
  const rows = await agent.allocations();
  const held = new Map<string, string[]>();
  for (const row of rows) held.set(row.containerId, [...(held.get(row.containerId) ?? []), row.ip]);
  const lost: string[] = [];
  for (const [containerId, ip] of workload.expectedHoldings()) {
    const ips = held.get(containerId) ?? [];
    if (ips.length !== 1 || ips[0] !== ip)
      lost.push(
        `${containerId}: ADD answered ${ip}, holds ${ips.join(",") || "nothing"} (calls: ${workload.historyOf(containerId)})`,
      );
  }
  for (const containerId of workload.released()) {
    if (held.has(containerId))
      lost.push(
        `${containerId}: DEL answered 0, still holds ${(held.get(containerId) ?? []).join(",")} (calls: ${workload.historyOf(containerId)})`,
      );
  }
  const duplicates = [...twice(rows.map((row) => row.ip)), ...twice([...workload.expectedHoldings().values()])].map(
    (ip) => `${ip} has two holders`,
  );
  return { lost, duplicates };
}

/** `checkInvariants` on a stopped agent's projection file, opened read-only. */
export function projectionViolations(dataDir: string): string[] {
  const path = join(dataDir, "projection.db");
  if (!existsSync(path)) return [`${path} is missing`];
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return checkInvariants(db).map((violation) => `${violation.rule}: ${violation.detail}`);
  } finally {
    db.close();
  }
}

/** `ipledger verify` on a stopped agent's data directory: its exit status and everything it printed. */
export async function runVerify(
  dataDir: string,
  logArgs: readonly string[] = [],
): Promise<{ status: number | null; output: string }> {
  const result = await ipledger(["verify", "--data-dir", dataDir, "--output", "json", ...logArgs], { cwd: REPO_ROOT });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

function twice(values: readonly string[]): string[] {
  const seen = new Set<string>();
  return [...new Set(values.filter((value) => seen.has(value) || (seen.add(value), false)))];
}
