import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EventLog } from "../ledger/log/eventLog.js";
import { GENESIS_HASH, verifyPartitionChain } from "../ledger/log/hashChain.js";
import { checkInvariants } from "./invariants.js";
import { replayLog } from "./replay.js";
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
}

const CHUNK = 20_000;

/** Walks every partition's hash chain; the first broken link is reported. */
async function verifyChains(
  log: EventLog,
): Promise<{ events: number; partitions: number; problem?: string; brokenLink?: VerifyReport["brokenLink"] }> {
  const ends = await log.endOffsets();
  let events = 0;
  for (const [partition, end] of [...ends].sort(([a], [b]) => a - b)) {
    let prev = GENESIS_HASH;
    for (let offset = 0; offset < end;) {
      const batch = await log.read(partition, offset, Math.min(CHUNK, end - offset));
      if (batch.length === 0) {
        return {
          events,
          partitions: ends.size,
          problem: `partition ${partition}: offsets ${offset}..${end - 1} are missing`,
          brokenLink: { partition, offset, problem: "offset-gap" },
        };
      }
      const verdict = verifyPartitionChain(batch, prev, offset);
      if (!verdict.ok) {
        // A deleted record shows as the next one found at the wrong offset: name the missing one.
        const at =
          verdict.problem === "offset-gap"
            ? offset + batch.findIndex((logged, index) => logged.offset !== offset + index)
            : verdict.offset;
        return {
          events,
          partitions: ends.size,
          problem: `hash chain broken in partition ${verdict.partition} at offset ${at} (${verdict.problem}): ${verdict.detail}`,
          brokenLink: { partition: verdict.partition, offset: at, problem: verdict.problem },
        };
      }
      prev = verdict.head;
      offset += batch.length;
      events += batch.length;
    }
  }
  return { events, partitions: ends.size };
}

/**
 * `ipledger verify`: the hash chain of every partition, the invariant that no address ever has
 * two owners (checked on a fresh replay), and, when a projection is given, that it equals a
 * replay of the log up to its own checkpoints.
 *
 * @example const report = await verifyLedger(log, projection); if (!report.ok) console.error(report.problem);
 */
export async function verifyLedger(log: EventLog, projection?: SqliteProjection): Promise<VerifyReport> {
  const chains = await verifyChains(log);
  if (chains.problem) return { ok: false, ...chains };
  const scratch = mkdtempSync(join(tmpdir(), "ipledger-verify-"));
  const opened: SqliteProjection[] = [];
  try {
    const full = await replayInto(log, join(scratch, "full.db"), undefined, opened);
    const violation = checkInvariants(full.db)[0];
    if (violation) return { ok: false, ...chains, problem: `${violation.rule}: ${violation.detail}` };
    if (projection) {
      // Compare with a replay that stops where the projection's checkpoints stop: a projection
      // that is merely behind the log is not wrong. One that is caught up compares with the full one.
      const upTo = new Map(projection.checkpoints().map((c) => [c.partition, c.nextOffset]));
      const ends = await log.endOffsets();
      const caughtUp = upTo.size === ends.size && [...ends].every(([partition, end]) => upTo.get(partition) === end);
      const expected = caughtUp ? full : await replayInto(log, join(scratch, "upto.db"), upTo, opened);
      const difference = firstDifferenceStreamed(projection.db, expected.db);
      if (difference) return { ok: false, ...chains, problem: `the projection differs from a replay: ${difference}` };
    }
    return { ok: true, ...chains };
  } finally {
    opened.forEach((fresh) => fresh.close());
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function replayInto(
  log: EventLog,
  path: string,
  upTo: Map<number, number> | undefined,
  opened: SqliteProjection[],
): Promise<SqliteProjection> {
  const fresh = openSqliteProjection(path);
  opened.push(fresh);
  await replayLog(log, fresh, upTo ? { upTo } : {});
  return fresh;
}
