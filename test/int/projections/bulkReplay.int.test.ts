import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { evolve, initialState } from "../../../ledger/core/index.js";
import { openSqliteEventLog } from "../../../ledger/log/sqliteEventLog.js";
import { checkInvariants } from "../../../projections/invariants.js";
import { replayLog } from "../../../projections/replay.js";
import { dumpProjection, firstDifference } from "../../../projections/sqlite/projectionDump.js";
import { openSqliteProjection, type SqliteProjection } from "../../../projections/sqlite/sqliteProjection.js";
import { verifyLedger } from "../../../projections/verifyLedger.js";
import { generateChurn } from "../../../src/generate/churnGenerator.js";

/** Real SQLite files: a generator log, the live writer's projection and a bulk replay of it. */
describe("a bulk replay equals the projection the live fold writes", () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  const tenancyIds = (projection: SqliteProjection) =>
    projection.db.prepare("SELECT id, from_partition, from_offset, ip FROM tenancies ORDER BY id").all();

  it.each([1, 7, 23])(
    "given churn (seed %i) folded event by event, when the log is replayed in bulk, then every table, tenancy id and checkpoint is the same",
    async (seed) => {
      const dir = mkdtempSync(join(tmpdir(), "ipledger-bulk-replay-"));
      dirs.push(dir);
      const log = openSqliteEventLog({ path: join(dir, "ledger.db") });
      const live = openSqliteProjection(join(dir, "live.db"));
      const bulk = openSqliteProjection(join(dir, "bulk.db"));
      try {
        await generateChurn(log, { events: 3_000, pools: 4, seed });
        // The live path: small batches through applyBatch, each with its checkpoint, as the runner writes them.
        const state = initialState();
        for (const [partition, end] of await log.endOffsets()) {
          for (let offset = 0; offset < end; offset += 97) {
            const batch = await log.read(partition, offset, 97);
            const last = batch[batch.length - 1];
            live.applyBatch(
              batch.map((logged) => ({ logged, outcome: evolve(state, logged) })),
              [{ partition, nextOffset: (last?.offset ?? 0) + 1, headHash: last?.event.hash ?? "" }],
            );
          }
        }
        const { events } = await replayLog(log, bulk);

        expect(events).toBe(3_000);
        expect(firstDifference(dumpProjection(bulk.db), dumpProjection(live.db))).toBeUndefined();
        expect(tenancyIds(bulk)).toEqual(tenancyIds(live));
        expect(checkInvariants(bulk.db)).toEqual([]);
        expect((bulk.db.prepare("SELECT COUNT(*) AS n FROM allocations").get() as { n: number }).n).toBeGreaterThan(0);
        // The indexes dropped for the load are all back, and the file is in WAL mode again.
        const indexes = (db: SqliteProjection["db"]) =>
          db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name").pluck().all();
        expect(indexes(bulk.db)).toEqual(indexes(live.db));
        expect(bulk.db.pragma("journal_mode", { simple: true })).toBe("wal");
        // verify compares the live projection with its own one-pass replay and finds them equal.
        expect(await verifyLedger(log, live)).toMatchObject({ ok: true, events: 3_000 });
      } finally {
        live.close();
        bulk.close();
        await log.close();
      }
    },
    120_000,
  );
});
