import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EndOffsets } from "../../../ledger/log/eventLog.js";
import type { Holder } from "../../../projections/sqlite/queries.js";
import type { ReadModel } from "../../../src/readModel/readModel.js";
import type { ReadModelWorld } from "./readModelWorld.js";

async function all<T>(pages: AsyncGenerator<T[]>): Promise<T[]> {
  const rows: T[] = [];
  for await (const page of pages) rows.push(...page);
  return rows;
}

const pods = (holders: readonly Holder[]) => holders.map((holder) => `${holder.podNamespace}/${holder.podName}`);

/**
 * The answers every `ReadModel` adapter must give about the world `writeReadModelWorld` wrote:
 * the agent over its socket, the projection in a data directory, a projection rebuilt from
 * Kafka. `open` is called once the world is written; the model is closed after the suite.
 *
 * @example describeReadModelContract("data directory", () => world, () => openReadModel({ dataDir, … }));
 */
export function describeReadModelContract(
  name: string,
  world: () => ReadModelWorld,
  open: () => Promise<ReadModel>,
): void {
  describe(`ReadModel contract: ${name}`, () => {
    let model: ReadModel;
    let w: ReadModelWorld;
    let endsBefore: EndOffsets;
    beforeAll(async () => {
      w = world();
      endsBefore = await w.endOffsets();
      model = await open();
    });
    afterAll(async () => model?.close());

    it("given two adds and a delete, then pools counts the one address still held", async () => {
      const pools = await model.pools();
      expect(pools).toHaveLength(1);
      expect(pools[0]).toMatchObject({ range: w.range, allocated: 1 });
    });

    it("then who names the pod that held an address at an instant, and nobody after its delete", async () => {
      expect(pods(await model.who(w.first, w.between))).toEqual(["k/a"]);
      expect(await model.who(w.first, Date.now())).toEqual([]);
      expect(pods(await model.who(w.second, Date.now()))).toEqual(["k/b"]);
    });

    it("then who over a CIDR lists every address held at the instant", async () => {
      const holders = await all(model.whoCidr(w.range, w.between));
      expect(holders.map((holder) => holder.ip).sort()).toEqual([w.first, w.second].sort());
    });

    it("then the tenancies of a pod end with the CNI DEL that closed them", async () => {
      const holders = await all(model.tenancies({ pod: { namespace: "k", name: "a" } }));
      expect(holders).toMatchObject([{ ip: w.first, endReason: "cni-del" }]);
    });

    it("then the events list both allocations and the release, in log order", async () => {
      const events = await all(model.events({ types: ["AddressAllocated", "AddressReleased"] }));
      expect(events.map((event) => event.type)).toEqual(["AddressAllocated", "AddressAllocated", "AddressReleased"]);
    });

    it("then the pool's state at the instant holds both pods", async () => {
      const [pool] = await model.pools();
      const state = await model.poolState(pool?.pool as string, w.between);
      expect(pods(state.holders).sort()).toEqual(["k/a", "k/b"]);
      expect(state.definition.range).toBe(w.range);
    });

    it("then attribute answers a batch of probes, one answer per probe, a bad address as invalid", async () => {
      const answers = await model.attribute([
        { ip: w.first, atMs: w.between },
        { ip: w.first, atMs: Date.now() },
        { ip: "not-an-ip", atMs: w.between },
      ]);
      expect(answers).toHaveLength(3);
      expect("holders" in answers[0]! && pods(answers[0].holders)).toEqual(["k/a"]);
      expect("holders" in answers[1]! && answers[1].holders).toEqual([]);
      expect(answers[2]).toHaveProperty("invalid");
    });

    it("then the allow-list of the pool holds the current holder now, and both at the instant", async () => {
      const [pool] = await model.pools();
      const selector = { pool: pool?.pool as string };
      expect((await model.allowlist(selector)).map((holder) => holder.ip)).toEqual([w.second]);
      expect((await model.allowlist(selector, w.between)).map((holder) => holder.ip).sort()).toEqual(
        [w.first, w.second].sort(),
      );
    });

    it("given a pool the ledger never saw, the allow-list is UNKNOWN_POOL", async () => {
      await expect(model.allowlist({ pool: "no-such-pool" })).rejects.toMatchObject({ code: "UNKNOWN_POOL" });
    });

    it("then the basis names the log positions folded, and reading appended nothing", async () => {
      const basis = await model.basis();
      const folded = Object.values(basis).reduce((sum, next) => sum + next, 0);
      const ends = [...(await w.endOffsets()).values()].reduce((sum, end) => sum + end, 0);
      expect(folded).toBe(ends);
      expect(await w.endOffsets()).toEqual(endsBefore);
    });
  });
}
