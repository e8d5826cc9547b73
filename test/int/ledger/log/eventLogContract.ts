import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { LoggedEvent } from "../../../../ledger/core/events.js";
import type { EventLog, NewEvent } from "../../../../ledger/log/eventLog.js";
import { GENESIS_HASH, chainEvent, verifyPartitionChain } from "../../../../ledger/log/hashChain.js";
import { addressAllocated, allocations, offsetsOf, poolDefined, recordTail, sleep } from "./logFixtures.js";

export interface OpenedLog {
  readonly log: EventLog;
  readonly cleanup: () => Promise<void>;
}

/**
 * The semantics every `EventLog` backend must share. `open` returns a fresh, empty log per test;
 * `cleanup` closes it (it may already be closed) and removes what it created.
 *
 * @example
 *   describeEventLogContract("memory", async () => {
 *     const log = createMemoryEventLog();
 *     return { log, cleanup: () => log.close() };
 *   });
 */
export function describeEventLogContract(name: string, open: () => Promise<OpenedLog>): void {
  describe(`EventLog contract: ${name}`, () => {
    let log: EventLog;
    let cleanup: () => Promise<void>;
    beforeEach(async () => ({ log, cleanup } = await open()));
    afterEach(async () => cleanup());

    const readAll = (partition: number) => log.read(partition, 0, 100_000);
    const ids = (entries: readonly LoggedEvent[]) => entries.map((entry) => entry.event.id);

    it("starts offsets at 0 and keeps them contiguous", async () => {
      const first = await log.append("net-a", [poolDefined("net-a")]);
      const second = await log.append("net-a", allocations("net-a", 3));
      expect(first).toEqual({ partition: first.partition, firstOffset: 0, lastOffset: 0 });
      expect(second).toEqual({ partition: first.partition, firstOffset: 1, lastOffset: 3 });
      expect((await readAll(first.partition)).map((entry) => entry.offset)).toEqual([0, 1, 2, 3]);
    });

    it("keeps a domain in one partition, and events tell domains apart", async () => {
      const partition = await log.partitionFor("net-a");
      expect(await log.partitionFor("net-a")).toBe(partition);
      const a = [poolDefined("net-a"), addressAllocated("net-a")];
      const b = [poolDefined("net-b")];
      expect((await log.append("net-a", a)).partition).toBe(partition);
      const other = await log.append("net-b", b);
      expect(await log.partitionFor("net-b")).toBe(other.partition);
      const ofDomain = async (domain: string, p: number) =>
        ids((await readAll(p)).filter((e) => e.event.domain === domain));
      expect(await ofDomain("net-a", partition)).toEqual(a.map((event) => event.id));
      expect(await ofDomain("net-b", other.partition)).toEqual(b.map((event) => event.id));
    });

    it("appends a batch in order, at consecutive offsets", async () => {
      const batch = allocations("", 5);
      const { partition, firstOffset, lastOffset } = await log.append("", batch);
      expect(lastOffset - firstOffset).toBe(4);
      expect(ids(await log.read(partition, firstOffset, 5))).toEqual(batch.map((event) => event.id));
    });

    it("refuses a whole batch when one event is of another domain, and an empty batch", async () => {
      const { partition } = await log.append("net-a", [poolDefined("net-a")]);
      const mixed = [addressAllocated("net-a", "10.1.0.2"), addressAllocated("net-b", "10.1.0.3")];
      await expect(log.append("net-a", mixed)).rejects.toMatchObject({ code: "INVALID_REQUEST" });
      await expect(log.append("net-a", [])).rejects.toMatchObject({ code: "INVALID_REQUEST" });
      expect((await log.endOffsets()).get(partition)).toBe(1);
      expect(await readAll(partition)).toHaveLength(1);
    });

    it("reads from an offset up to a limit, and nothing past the end", async () => {
      const { partition } = await log.append("", allocations("", 6));
      expect((await log.read(partition, 2, 3)).map((entry) => entry.offset)).toEqual([2, 3, 4]);
      expect((await log.read(partition, 4, 10)).map((entry) => entry.offset)).toEqual([4, 5]);
      expect(await log.read(partition, 6, 10)).toEqual([]);
      expect(await log.read(partition, 0, 0)).toEqual([]);
    });

    it("reports the end offset of every partition written to", async () => {
      const a = await log.append("net-a", allocations("net-a", 3));
      const b = await log.append("net-b", allocations("net-b", 2));
      const ends = await log.endOffsets();
      if (a.partition === b.partition) expect(ends.get(a.partition)).toBe(5);
      else expect([ends.get(a.partition), ends.get(b.partition)]).toEqual([3, 2]);
    });

    it("tails history, then live appends in order, until stopped", async () => {
      const { partition } = await log.append("", allocations("", 3));
      const recorder = recordTail(log);
      await recorder.until(3);
      for (let host = 10; host < 15; host += 1) await log.append("", [addressAllocated("", `10.1.0.${host}`)]);
      await log.append("", allocations("", 4, 20));
      await recorder.until(12);
      expect(offsetsOf(recorder.seen, partition)).toEqual([...Array(12).keys()]);
      await recorder.tail.stop();
      await log.append("", allocations("", 2, 30));
      await sleep(300);
      expect(recorder.seen).toHaveLength(12);
    });

    it("tails from a given offset, and a domain that appears later from 0", async () => {
      const { partition } = await log.append("net-a", allocations("net-a", 5));
      const recorder = recordTail(log, new Map([[partition, 3]]));
      const later = await log.append("net-b", allocations("net-b", 2));
      await recorder.until(4);
      await recorder.tail.stop();
      // Kafka may hash both domains to one partition; memory and SQLite give each its own.
      const expected =
        later.partition === partition
          ? [[3, 4, 5, 6]]
          : [
              [3, 4],
              [0, 1],
            ];
      expect([...new Set([partition, later.partition])].map((p) => offsetsOf(recorder.seen, p))).toEqual(expected);
    });

    it("reports a handler error to onError and stops delivering", async () => {
      await log.append("", allocations("", 2));
      const errors: unknown[] = [];
      let calls = 0;
      const failure = new Error("fold failed");
      const handler = () => {
        calls += 1;
        throw failure;
      };
      const tail = log.tail(new Map(), handler, { onError: (error) => errors.push(error) });
      await expect.poll(() => errors).toEqual([failure]);
      await log.append("", allocations("", 2, 10));
      await sleep(300);
      expect(calls).toBe(1);
      await tail.stop();
    });

    it("keeps every concurrent append, each batch at consecutive offsets", async () => {
      const batches = Array.from({ length: 40 }, (_, i) =>
        allocations(i % 3 === 0 ? "net-b" : "net-a", 1 + (i % 3), 2 + i * 4),
      );
      const results = await Promise.all(batches.map((batch) => log.append(batch[0]?.domain ?? "", batch)));
      for (const [i, result] of results.entries()) {
        const stored = await log.read(result.partition, result.firstOffset, result.lastOffset - result.firstOffset + 1);
        expect(ids(stored)).toEqual(batches[i]?.map((event) => event.id));
      }
      for (const partition of new Set(results.map((result) => result.partition))) {
        const all = await readAll(partition);
        expect(all.map((entry) => entry.offset)).toEqual([...all.keys()]);
        expect(new Set(ids(all)).size).toBe(all.length);
        expect(verifyPartitionChain(all).ok).toBe(true);
      }
      expect(results.reduce((sum, r) => sum + r.lastOffset - r.firstOffset + 1, 0)).toBe(batches.flat().length);
    });

    it("chains every partition so that verifyPartitionChain accepts it and catches an edit", async () => {
      await log.append("net-a", [poolDefined("net-a")]);
      const { partition } = await log.append("net-a", allocations("net-a", 3));
      const all = await readAll(partition);
      expect(verifyPartitionChain(all)).toEqual({ ok: true, head: all.at(-1)?.event.hash });
      const edited = structuredClone(all);
      (edited[2]?.event.data as { ip: string }).ip = "10.1.0.200";
      expect(verifyPartitionChain(edited)).toMatchObject({ ok: false, partition, offset: 2, problem: "hash-mismatch" });
    });

    it("round-trips events exactly, with prev and hash filled", async () => {
      const events: NewEvent[] = [poolDefined("net-a"), ...allocations("net-a", 2)];
      const { partition } = await log.append("net-a", events);
      const stored = await readAll(partition);
      let prev = GENESIS_HASH;
      for (const [i, event] of events.entries()) {
        const expected = chainEvent(prev, event);
        expect(stored[i]?.event).toStrictEqual(expected);
        prev = expected.hash ?? "";
      }
    });

    it("closes idempotently, stopping tails and refusing later use", async () => {
      await log.append("", allocations("", 1));
      const recorder = recordTail(log);
      await recorder.until(1);
      await log.close();
      await log.close();
      await recorder.tail.stop();
      await expect(log.append("", allocations("", 1))).rejects.toMatchObject({ code: "LOG_UNAVAILABLE" });
    });
  });
}
