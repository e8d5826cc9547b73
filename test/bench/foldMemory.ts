import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { definePool, evolve, initialState, type LedgerState, type TargetPool } from "../../ledger/core/index.js";

/** Address `index` after `prefix` (ending in "::") as IPv6 text: groups of at most four hex digits. */
export function v6Address(prefix: string, index: number): string {
  return `${prefix}:${(index >>> 16).toString(16)}:${(index & 0xffff).toString(16)}`;
}

/**
 * A state whose pool holds `count` allocations, built by folding the events an agent would log,
 * with a hole every 1,000 addresses as churn leaves them (new claims land low in the list).
 */
export function stateWith(pool: TargetPool, count: number): LedgerState {
  const state = initialState();
  const actor = { node: "bench", component: "agent" };
  const base = { v: 1 as const, domain: pool.domain, pool: pool.pool, at: "2026-01-01T00:00:00.000Z", actor };
  evolve(state, { partition: 0, offset: 0, event: { ...base, id: "def", type: "PoolDefined", data: pool.definition } });
  const prefix = pool.definition.range.split("/")[0]!.replace(/::$/, ":");
  const v4 = !pool.definition.range.includes(":");
  for (let index = 1, made = 0; made < count; index += 1) {
    if (index % 1_000 === 0) continue;
    made += 1;
    const owner = {
      containerId: `c${index.toString(16).padStart(12, "0")}`,
      ifName: "net1",
      podNamespace: "bench",
      podName: `pod-${index}`,
      podUid: `uid-${index}`,
      node: `node-${index % 500}`,
    };
    const ip = v4 ? "" : v6Address(prefix, index);
    const outcome = evolve(state, {
      partition: 0,
      offset: index,
      event: { ...base, id: `a${index}`, type: "AddressAllocated", data: { ip, owner, requested: false, basis: {} } },
    });
    if (outcome.status !== "accepted")
      throw new Error(`bench allocation ${ip} was ${outcome.status}: ${outcome.reason}`);
  }
  return state;
}

export function benchPool(range: string): TargetPool {
  return definePool(
    { range, exclude: [], key: "bench" },
    { networkName: `bench-${range}`, reuseCooldownSeconds: 0, overlappingRanges: true },
  );
}

/**
 * RSS of a fresh node process holding the fold's state with `count` live allocations in one /64
 * (what every agent keeps in memory), measured in a child so nothing else of the bench counts.
 */
export function foldStateRssMb(count: number): { rssMb: number; heapMb: number } {
  const child = spawnSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), String(count)], {
    encoding: "utf8",
  });
  if (child.status !== 0) throw new Error(`fold memory child failed: ${child.stderr}`);
  return JSON.parse(child.stdout) as { rssMb: number; heapMb: number };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const state = stateWith(benchPool("fd00:1::/64"), Number(process.argv[2]));
  global.gc?.();
  const usage = process.memoryUsage();
  const held = [...state.domains.values()].reduce((sum, domain) => sum + domain.held.size, 0);
  if (held !== Number(process.argv[2])) throw new Error(`the state holds ${held} allocations`);
  process.stdout.write(JSON.stringify({ rssMb: usage.rss / 2 ** 20, heapMb: usage.heapUsed / 2 ** 20 }));
}
