import { createAllowlistQueries } from "../operator/allowlistQuery.js";
import { prepareLeanReads } from "./leanReads.js";
import type { ProjectionSnapshot } from "./projectionSnapshot.js";
import type { ReadModel } from "./readModel.js";

const PAGE = 5_000;

async function* pages<T>(read: (after: string | undefined) => { rows: T[]; next: string | null }): AsyncGenerator<T[]> {
  for (let page = read(undefined); ; page = read(page.next as string)) {
    yield page.rows;
    if (page.next === null) return;
  }
}

/**
 * Answers from a SQLite projection on this machine (a data directory's, or one rebuilt from
 * Kafka). A frozen snapshot keeps one attribution resolver and its cache for all batches; a
 * followed projection builds one per batch, so no answer comes from a stale cache. `cleanup`
 * runs after the snapshot is closed (a scratch directory to remove, a fold to stop).
 *
 * @example const model = projectionReadModel(openProjectionSnapshot(path));
 */
export function projectionReadModel(
  snapshot: ProjectionSnapshot,
  cleanup: () => Promise<void> | void = () => undefined,
): ReadModel {
  const { queries } = snapshot;
  const allowlist = createAllowlistQueries(snapshot.db);
  const cached = snapshot.frozen ? queries.attributionResolver() : undefined;
  return {
    basis: async () => queries.basis(),
    pools: async () => queries.pools(),
    who: async (ip, atMs, domain) => queries.holdersAt(ip, atMs, domain),
    whoCidr: (cidr, atMs, domain) =>
      pages((after) =>
        queries.holdersInCidr(cidr, atMs, { limit: PAGE, after, ...(domain !== undefined ? { domain } : {}) }),
      ),
    tenancies: (filter) => pages((after) => queries.tenancyPage(filter, { limit: PAGE, after })),
    events: (filter) => pages((after) => queries.eventPage(filter, { limit: PAGE, after })),
    poolState: async (pool, atMs, domain) => queries.poolState(pool, atMs, domain),
    attribute: async (probes) => {
      const resolver = cached ?? queries.attributionResolver();
      return probes.map((probe) => resolver.resolve(probe.ip, probe.atMs));
    },
    allowlist: async (selector, atMs) => allowlist.holders(selector, atMs),
    ...(snapshot.frozen ? { lean: prepareLeanReads(snapshot.db) } : {}),
    close: async () => {
      snapshot.close();
      await cleanup();
    },
  };
}
