import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openSqliteEventLog } from "../../../ledger/log/sqliteEventLog.js";
import { checkInvariants } from "../../../projections/invariants.js";
import { replayLog } from "../../../projections/replay.js";
import { openSqliteProjection } from "../../../projections/sqlite/sqliteProjection.js";
import { verifyLedger } from "../../../projections/verifyLedger.js";
import { generateChurn } from "../../../src/generate/churnGenerator.js";

/** The generator writes through the real decider into a real SQLite log file. */
describe("ipledger generate", () => {
  const dirs: string[] = [];
  const freshDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), "ipledger-generate-"));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  async function generateInto(dir: string, seed: number, events = 4_000) {
    const log = openSqliteEventLog({ path: join(dir, "ledger.db") });
    try {
      const report = await generateChurn(log, { events, pools: 3, seed });
      const ends = await log.endOffsets();
      const heads = await Promise.all(
        [...ends].map(async ([partition, end]) => (await log.read(partition, end - 1, 1))[0]?.event.hash),
      );
      return { report, ends, heads };
    } finally {
      await log.close();
    }
  }

  it("given a seed, when it generates, then it writes exactly N events of every kind of churn, none voided, and the ledger verifies", async () => {
    const dir = freshDir();
    const { report, ends } = await generateInto(dir, 11);
    expect(report.events).toBe(4_000);
    expect([...ends.values()].reduce((a, b) => a + b, 0)).toBe(4_000);
    expect(report.voided).toBe(0);
    for (const type of ["PoolDefined", "AddressAllocated", "AddressReleased", "AllocationAdopted", "AddressReserved"])
      expect(report.byType[type] ?? 0).toBeGreaterThan(0);

    const log = openSqliteEventLog({ path: join(dir, "ledger.db") });
    const projection = openSqliteProjection(join(dir, "replayed.db"));
    try {
      expect((await verifyLedger(log)).ok).toBe(true);
      await replayLog(log, projection);
      expect(checkInvariants(projection.db)).toEqual([]);
      const reasons = projection.db
        .prepare("SELECT DISTINCT end_reason AS reason FROM tenancies WHERE end_reason IS NOT NULL")
        .all() as { reason: string }[];
      expect(reasons.map((row) => row.reason).sort()).toEqual(
        expect.arrayContaining(["cni-del", "cni-gc", "pod-deleted"]),
      );
      const sticky = projection.db
        .prepare(
          "SELECT COUNT(*) AS n FROM tenancies a JOIN tenancies b ON a.pod_name = b.pod_name AND a.ip = b.ip AND a.container_id <> b.container_id AND a.to_offset IS NOT NULL AND b.from_offset > a.to_offset WHERE a.pod_name LIKE 'db-%'",
        )
        .get() as { n: number };
      expect(sticky.n).toBeGreaterThan(0); // sticky pods came back to their address
    } finally {
      projection.close();
      await log.close();
    }
  }, 120_000);

  it("given the same seed twice, then the two logs are identical; another seed gives another log", async () => {
    const [a, b, c] = [
      await generateInto(freshDir(), 5, 1_500),
      await generateInto(freshDir(), 5, 1_500),
      await generateInto(freshDir(), 6, 1_500),
    ];
    expect(a.heads).toEqual(b.heads);
    expect(a.heads).not.toEqual(c.heads);
  }, 120_000);

  it("given a log that already holds events, then it refuses and the log's end does not move", async () => {
    const dir = freshDir();
    await generateInto(dir, 1, 200);
    const log = openSqliteEventLog({ path: join(dir, "ledger.db") });
    try {
      const before = await log.endOffsets();
      await expect(generateChurn(log, { events: 10, pools: 1, seed: 2 })).rejects.toThrow(/not empty/);
      expect(await log.endOffsets()).toEqual(before);
    } finally {
      await log.close();
    }
  }, 60_000);
});
