import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { formatTable, readRows } from "../support/faults/faultTable.js";

/**
 * Global setup of the `faults` project: picks the seed (printed, so a failing run can be
 * replayed with IPLEDGER_FAULT_SEED), and at the end prints the fault table and writes it to
 * test/faults/last-run.md (not committed) for the release notes.
 */
export default function setup(project: TestProject): () => void {
  const given = process.env["IPLEDGER_FAULT_SEED"];
  const seed = given !== undefined && given !== "" ? Number(given) : Math.floor(Math.random() * 2 ** 31);
  if (!Number.isInteger(seed)) throw new Error(`IPLEDGER_FAULT_SEED must be an integer, not ${JSON.stringify(given)}`);
  console.info(`[faults] seed ${seed} (replay with IPLEDGER_FAULT_SEED=${seed})`);
  const dir = mkdtempSync(join(tmpdir(), "ipledger-faults-results-"));
  const results = join(dir, "rows.jsonl");
  project.provide("faultSeed", seed);
  project.provide("faultResults", results);
  return () => {
    const table = formatTable(seed, readRows(results));
    console.info(`\n${table}\n`);
    writeFileSync(join(project.config.root, "test", "faults", "last-run.md"), `${table}\n`);
    rmSync(dir, { recursive: true, force: true });
  };
}
