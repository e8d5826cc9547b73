import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { verifyPartitionChain } from "../../../../ledger/log/hashChain.js";
import { openSqliteEventLog } from "../../../../ledger/log/sqliteEventLog.js";
import { describeEventLogContract } from "./eventLogContract.js";
import { addressAllocated, allocations, offsetsOf, poolDefined, recordTail } from "./logFixtures.js";

describeEventLogContract("sqlite", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ipledger-log-"));
  const log = openSqliteEventLog({ path: join(dir, "ledger.db") });
  return { log, cleanup: async () => (await log.close(), await rm(dir, { recursive: true, force: true })) };
});

describe("sqlite event log", () => {
  let dir: string;
  let path: string;
  const closers: (() => unknown)[] = [];
  const open = (options: { pollIntervalMs?: number; busyTimeoutMs?: number } = {}) => {
    const log = openSqliteEventLog({ path, ...options });
    closers.push(() => log.close());
    return log;
  };
  const raw = () => {
    const db = new Database(path);
    closers.push(() => db.close());
    return db;
  };
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "ipledger-log-"));
    path = join(dir, "ledger.db");
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses UPDATE and DELETE of events and of partition assignments", async () => {
    await open().append("", [poolDefined("")]);
    const db = raw();
    expect(() => db.prepare(`UPDATE events SET body = '{}'`).run()).toThrow("ipledger event log is append-only");
    expect(() => db.prepare("DELETE FROM events").run()).toThrow("ipledger event log is append-only");
    expect(() => db.prepare(`UPDATE partitions SET "partition" = 7`).run()).toThrow("permanent");
    expect(() => db.prepare("DELETE FROM partitions").run()).toThrow("permanent");
  });

  it("wakes its own tails at once, without waiting for the poll", async () => {
    const log = open({ pollIntervalMs: 60_000 });
    const recorder = recordTail(log);
    await log.append("", [poolDefined("")]);
    await recorder.until(1, 1000);
  });

  it("lets a tail see appends by another connection to the same file, by polling", async () => {
    const reader = open({ pollIntervalMs: 20 });
    const writer = open();
    const recorder = recordTail(reader);
    const { partition } = await writer.append("", allocations("", 3));
    await writer.append("", allocations("", 2, 10));
    await recorder.until(5);
    expect(offsetsOf(recorder.seen, partition)).toEqual([0, 1, 2, 3, 4]);
  });

  it("computes offsets inside the write transaction when two connections interleave", async () => {
    const [a, b] = [open(), open()];
    for (let host = 2; host < 22; host += 1)
      await (host % 2 ? a : b).append("", [addressAllocated("", `10.1.0.${host}`)]);
    const all = await a.read(0, 0, 100);
    expect(all.map((entry) => entry.offset)).toEqual([...Array(20).keys()]);
    expect(verifyPartitionChain(all).ok).toBe(true);
  });

  it("resumes offsets, partitions and the chain after reopening", async () => {
    const first = open();
    await first.append("net-a", [poolDefined("net-a")]);
    await first.append("net-b", allocations("net-b", 2));
    await first.close();
    const again = open();
    expect(await again.partitionFor("net-b")).toBe(1);
    expect(await again.append("net-b", allocations("net-b", 1, 20))).toEqual({
      partition: 1,
      firstOffset: 2,
      lastOffset: 2,
    });
    expect(await again.partitionFor("net-c")).toBe(2);
    expect(verifyPartitionChain(await again.read(1, 0, 10)).ok).toBe(true);
  });

  it.each([
    [
      "an edited event",
      `UPDATE events SET body = json_set(body, '$.data.ip', '10.1.0.99') WHERE "offset" = 1`,
      1,
      "hash-mismatch",
    ],
    ["a deleted event", `DELETE FROM events WHERE "offset" = 1`, 2, "offset-gap"],
    [
      "swapped events",
      `UPDATE events SET "offset" = 9 WHERE "offset" = 1; UPDATE events SET "offset" = 1 WHERE "offset" = 2;
      UPDATE events SET "offset" = 2 WHERE "offset" = 9`,
      1,
      "prev-mismatch",
    ],
  ])("lets verifyPartitionChain find %s once the triggers are dropped", async (_, tamper, offset, problem) => {
    const log = open();
    await log.append("", [poolDefined(""), ...allocations("", 3)]);
    const db = raw();
    db.exec("DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;");
    db.exec(tamper);
    expect(verifyPartitionChain(await log.read(0, 0, 10))).toMatchObject({ ok: false, partition: 0, offset, problem });
  });

  it("reports a write lock held past the busy timeout as LOG_UNAVAILABLE naming the file", async () => {
    const log = open({ busyTimeoutMs: 50 });
    const db = raw();
    db.exec("BEGIN IMMEDIATE");
    const failure = log.append("", [poolDefined("")]);
    await expect(failure).rejects.toMatchObject({ code: "LOG_UNAVAILABLE", message: expect.stringContaining(path) });
    db.exec("ROLLBACK");
    expect(await log.append("", [poolDefined("")])).toMatchObject({ firstOffset: 0 });
  });

  it("waits for a write lock held by another process, within the busy timeout", async () => {
    const log = open();
    await log.append("", [poolDefined("")]);
    // A real second process holds the write lock for 300 ms: the append must wait, then land at offset 1.
    const holder = `const db = require("better-sqlite3")(process.argv[1]); db.exec("BEGIN IMMEDIATE");
      console.log("locked"); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300); db.exec("COMMIT");`;
    const child = spawn(process.execPath, ["-e", holder, path], { stdio: ["ignore", "pipe", "inherit"] });
    const exited = once(child, "exit");
    await once(child.stdout, "data");
    const started = performance.now();
    expect(await log.append("", [addressAllocated("")])).toMatchObject({ firstOffset: 1 });
    expect(performance.now() - started).toBeGreaterThan(150);
    expect(await exited).toEqual([0, null]);
  });

  it("reports a missing folder as LOG_UNAVAILABLE naming the file", () => {
    const missing = join(dir, "absent", "ledger.db");
    expect(() => openSqliteEventLog({ path: missing })).toThrow(expect.objectContaining({ code: "LOG_UNAVAILABLE" }));
    expect(() => openSqliteEventLog({ path: missing })).toThrow(missing);
  });
});
