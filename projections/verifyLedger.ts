import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LoggedEvent } from "../ledger/core/index.js";
import type { EventLog } from "../ledger/log/eventLog.js";
import { GENESIS_HASH, verifyPartitionChain } from "../ledger/log/hashChain.js";
import { foldLog, type FoldPass } from "./foldLog.js";
import { checkInvariants } from "./invariants.js";
import { ownershipCheck } from "./ownershipCheck.js";
import { replayInto, replayLog } from "./replay.js";
import { beginBulkLoad } from "./sqlite/bulkLoad.js";
import { firstDifferenceStreamed } from "./sqlite/projectionDump.js";
import { openSqliteProjection, type SqliteProjection } from "./sqlite/sqliteProjection.js";

export interface VerifyReport {
  readonly ok: boolean;
  readonly events: number;
  readonly partitions: number;
  /** The first problem found, named by check and position. */
  readonly problem?: string;
  /** Where the hash chain first breaks: for a deleted record, the offset that is missing. */
  readonly brokenLink?: { readonly partition: number; readonly offset: number; readonly problem: string };
  /** The log is sound but the projection given differs from a replay of it: the projection file is at fault. */
  readonly projectionDiffers?: true;
}

type Broken = Pick<VerifyReport, "problem" | "brokenLink">;

/** Checks each page's hash chain before it is folded; the first broken link stops the pass. */
function chainInspector(): Required<Pick<FoldPass<Broken>, "inspect" | "missing">> {
  const heads = new Map<number, string>();
  return {
    missing: (partition, offset, end) => ({
      problem: `partition ${partition}: offsets ${offset}..${end - 1} are missing`,
      brokenLink: { partition, offset, problem: "offset-gap" },
    }),
    inspect(page: readonly LoggedEvent[], partition: number, offset: number): Broken | undefined {
      const verdict = verifyPartitionChain(page, heads.get(partition) ?? GENESIS_HASH, offset);
      if (verdict.ok) {
        heads.set(partition, verdict.head);
        return undefined;
      }
      // A deleted record shows as the next one found at the wrong offset: name the missing one.
      const at =
        verdict.problem === "offset-gap"
          ? offset + page.findIndex((logged, index) => logged.offset !== offset + index)
          : verdict.offset;
      return {
        problem: `hash chain broken in partition ${verdict.partition} at offset ${at} (${verdict.problem}): ${verdict.detail}`,
        brokenLink: { partition: verdict.partition, offset: at, problem: verdict.problem },
      };
    },
  };
}

/**
 * `ipledger verify`, in one pass over the log: the hash chain of every partition, checked page by
 * page before the page is folded; the invariant that no address ever has two owners, on the
 * fold's effects (`ownershipCheck`); and, when a projection is given, that it equals a replay of
 * the log up to its own checkpoints (the replay is loaded in the same pass and its tables are
 * checked by `checkInvariants` too). Memory: one page, the fold's state and the open intervals.
 *
 * @example const report = await verifyLedger(log, projection); if (!report.ok) console.error(report.problem);
 */
export async function verifyLedger(log: EventLog, projection?: SqliteProjection): Promise<VerifyReport> {
  const ends = await log.endOffsets();
  const scratch = projection ? mkdtempSync(join(tmpdir(), "ipledger-verify-")) : undefined;
  const opened: SqliteProjection[] = [];
  try {
    const full = scratch ? openFresh(join(scratch, "full.db"), opened) : undefined;
    const bulk = full ? beginBulkLoad(full.db) : undefined;
    const loader = bulk ? replayInto(bulk, 0) : undefined;
    const ownership = ownershipCheck();
    const chain = chainInspector();
    const pass = await foldLog<Broken>(log, ends, {
      ...chain,
      folded(page, partition) {
        ownership.folded(page);
        loader?.folded(page, partition);
      },
    });
    const counts = { events: pass.events, partitions: ends.size };
    if (pass.stop) return { ok: false, ...counts, ...pass.stop };
    const violation = ownership.finish(pass.state)[0];
    if (violation) return { ok: false, ...counts, problem: `${violation.rule}: ${violation.detail}` };
    if (!projection || !full || !scratch) return { ok: true, ...counts };

    bulk?.finish(loader?.checkpoints() ?? []);
    const tables = checkInvariants(full.db)[0];
    if (tables) return { ok: false, ...counts, problem: `${tables.rule}: ${tables.detail}` };
    // Compare with a replay that stops where the projection's checkpoints stop: a projection
    // that is merely behind the log is not wrong. One that is caught up compares with the full one.
    const upTo = new Map(projection.checkpoints().map((c) => [c.partition, c.nextOffset]));
    const caughtUp = upTo.size === ends.size && [...ends].every(([partition, end]) => upTo.get(partition) === end);
    const expected = caughtUp ? full : openFresh(join(scratch, "upto.db"), opened);
    if (!caughtUp) await replayLog(log, expected, { upTo });
    const difference = firstDifferenceStreamed(projection.db, expected.db);
    if (difference)
      return {
        ok: false,
        ...counts,
        projectionDiffers: true,
        problem: `the projection differs from a replay: ${difference}`,
      };
    return { ok: true, ...counts };
  } finally {
    opened.forEach((fresh) => fresh.close());
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

function openFresh(path: string, opened: SqliteProjection[]): SqliteProjection {
  const fresh = openSqliteProjection(path);
  opened.push(fresh);
  return fresh;
}
