import { describe, expect, it } from "vitest";
import { createMemoryEventLog } from "../../../../ledger/log/memoryEventLog.js";
import { describeEventLogContract } from "./eventLogContract.js";
import { addressAllocated, poolDefined, recordTail } from "./logFixtures.js";

describeEventLogContract("memory", async () => {
  const log = createMemoryEventLog();
  return { log, cleanup: () => log.close() };
});

describe("memory event log", () => {
  it("numbers partitions 0, 1, 2… in order of first use", async () => {
    const log = createMemoryEventLog();
    expect(await log.partitionFor("net-b")).toBe(0);
    expect((await log.append("net-a", [poolDefined("net-a")])).partition).toBe(1);
    expect(await log.partitionFor("")).toBe(2);
    expect([...(await log.endOffsets())]).toEqual([
      [0, 0],
      [1, 1],
      [2, 0],
    ]);
    await log.close();
  });

  it("cannot be changed through an object a caller still holds", async () => {
    const log = createMemoryEventLog();
    const event = addressAllocated("");
    await log.append("", [event]);
    event.data.ip = "10.1.0.99";
    const [stored] = await log.read(0, 0, 1);
    (stored?.event.data as { ip: string }).ip = "10.1.0.98";
    expect((await log.read(0, 0, 1))[0]?.event.data).toMatchObject({ ip: "10.1.0.2" });
    await log.close();
  });

  // The memory log has no poll at all, so any delivery shows the wake-up; the bound is loose for CI.
  it("wakes a tail promptly after an append", async () => {
    const log = createMemoryEventLog();
    const recorder = recordTail(log);
    const started = performance.now();
    await log.append("", [poolDefined("")]);
    await recorder.until(1);
    expect(performance.now() - started).toBeLessThan(200);
    await log.close();
  });
});
