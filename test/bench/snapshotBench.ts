import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  decideAllocation,
  decideRelease,
  definePool,
  evolve,
  initialState,
  type LedgerState,
  type TargetPool,
} from "../../ledger/core/index.js";
import { openSqliteEventLog } from "../../ledger/log/sqliteEventLog.js";
import { LOG_FILE, startAgent } from "../../src/agent.js";
import { generateChurn } from "../../src/generate/churnGenerator.js";
import { formatRate } from "./benchStats.js";

const ms = (started: bigint): number => Number(process.hrtime.bigint() - started) / 1e6;

async function readyMs(dataDir: string, socket: string): Promise<{ ms: number; fromSnapshot: boolean }> {
  const started = process.hrtime.bigint();
  const agent = await startAgent({ dataDir, socket, node: "bench", quiet: true });
  const elapsed = ms(started);
  const fromSnapshot = agent.startedFrom !== undefined;
  await agent.close();
  return { ms: elapsed, fromSnapshot };
}

/**
 * Agent start-up on a generator log: empty log, full fold (first start, no snapshot), and a
 * restart from the snapshot the first start left at shutdown. Then the fold's state with many
 * live allocations in one /64: heap it takes, and the decide step of an ADD next to an empty /24.
 */
export async function reportSnapshotBenchmarks(
  events: number,
  liveAllocations: number,
  report: (line: string) => void,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "ipledger-bench-snap-"));
  try {
    const empty = join(dir, "empty");
    const emptyReady = await readyMs(empty, join(dir, "e.sock"));
    report(`snapshot  agent ready, empty log                                     ${emptyReady.ms.toFixed(0)} ms`);
    const data = join(dir, "data");
    mkdirSync(data, { mode: 0o700 });
    const log = openSqliteEventLog({ path: join(data, LOG_FILE) });
    await generateChurn(log, { events, pools: 64, seed: 2 });
    await log.close();
    const first = await readyMs(data, join(dir, "d.sock"));
    report(
      `snapshot  agent ready, ${events} events, no snapshot (full fold)          ${first.ms.toFixed(0)} ms  (${formatRate(events / (first.ms / 1000))} events/s)`,
    );
    const second = await readyMs(data, join(dir, "d.sock"));
    report(
      `snapshot  agent ready, ${events} events, from its snapshot${second.fromSnapshot ? "" : " (NOT USED)"}              ${second.ms.toFixed(0)} ms  (${(second.ms / emptyReady.ms).toFixed(2)}× the empty log)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  await reportScaleBenchmarks(liveAllocations, report);
}

/**
 * The fold's state with many live allocations in one /64 (a hole every 1,000 addresses, as churn
 * leaves them): heap it takes, and an ADD's pure part (decide, then fold its events) next to an
 * empty /24. BENCH_ONLY=scale runs just this.
 */
export async function reportScaleBenchmarks(liveAllocations: number, report: (line: string) => void): Promise<void> {
  const v6 = target("fd00:1::/64");
  const v4 = target("10.99.0.0/24");
  global.gc?.();
  const before = process.memoryUsage().heapUsed;
  const big = stateWith(v6, liveAllocations);
  global.gc?.();
  const heapMb = (process.memoryUsage().heapUsed - before) / 2 ** 20;
  report(
    `snapshot  fold state with ${liveAllocations} live allocations (one /64)        ${heapMb.toFixed(0)} MB of heap${global.gc ? "" : " (run node --expose-gc for a settled figure)"}`,
  );
  const small = stateWith(v4, 0);
  const [onBig, onSmall] = [addTimes(big, v6), addTimes(small, v4)];
  report(
    `snapshot  ADD decide+fold p99, /64 with ${liveAllocations} allocations vs empty /24   ${onBig.p99.toFixed(3)} ms vs ${onSmall.p99.toFixed(3)} ms  (${(onBig.p99 / onSmall.p99).toFixed(2)}×; p50 ${onBig.p50.toFixed(3)} vs ${onSmall.p50.toFixed(3)} ms)`,
  );
}

function target(range: string): TargetPool {
  return definePool(
    { range, exclude: [], key: "bench" },
    { networkName: `bench-${range}`, reuseCooldownSeconds: 0, overlappingRanges: true },
  );
}

/** A state whose pool holds `count` allocations, built by folding the events an agent would log. */
function stateWith(pool: TargetPool, count: number): LedgerState {
  const state = initialState();
  const actor = { node: "bench", component: "agent" };
  const base = { v: 1 as const, domain: pool.domain, pool: pool.pool, at: "2026-01-01T00:00:00.000Z", actor };
  evolve(state, { partition: 0, offset: 0, event: { ...base, id: "def", type: "PoolDefined", data: pool.definition } });
  const prefix = pool.definition.range.split("/")[0]!.replace(/::$/, ":");
  for (let index = 1, made = 0; made < count; index += 1) {
    if (index % 1_000 === 0) continue; // a hole, as releases leave them: new claims land low in the list
    made += 1;
    const owner = {
      containerId: `c${index.toString(16).padStart(12, "0")}`,
      ifName: "net1",
      podNamespace: "bench",
      podName: `pod-${index}`,
      podUid: `uid-${index}`,
      node: `node-${index % 500}`,
    };
    const ip = pool.definition.range.includes(":") ? `${prefix}:${index.toString(16)}` : "";
    evolve(state, {
      partition: 0,
      offset: index,
      event: { ...base, id: `a${index}`, type: "AddressAllocated", data: { ip, owner, requested: false, basis: {} } },
    });
  }
  return state;
}

/** Decide an ADD, then fold its events into the state, as the agent does: the pure part of one ADD. */
function addTimes(state: LedgerState, pool: TargetPool): { p50: number; p99: number } {
  const samples: number[] = [];
  let offset = 10_000_000;
  for (let index = 0; index < 900; index += 1) {
    const owner = {
      containerId: `new-${index}`,
      ifName: "net1",
      podNamespace: "bench",
      podName: `new-${index}`,
      podUid: `u-${index}`,
      node: "bench",
    };
    const started = process.hrtime.bigint();
    const { events } = decideAllocation(
      {
        kind: "AllocateAddresses",
        now: "2026-01-02T00:00:00.000Z",
        actor: { node: "bench", component: "agent" },
        requestId: `bench-${index}`,
        owner,
        pools: [pool],
        requested: [],
        sticky: false,
        spread: 1,
        random: [],
        avoid: [],
      },
      state,
    );
    for (const event of events) evolve(state, { partition: 0, offset: offset++, event: event as never });
    samples.push(ms(started));
    // DEL it again (untimed), so the /24 stays empty and the /64 keeps its holes.
    const release = decideRelease(
      {
        kind: "ReleaseAttachment",
        now: "2026-01-02T00:00:01.000Z",
        actor: { node: "bench", component: "agent" },
        requestId: `del-${index}`,
        containerId: owner.containerId,
        ifName: "net1",
        reason: "cni-del",
      },
      state,
    );
    for (const event of release) evolve(state, { partition: 0, offset: offset++, event: event as never });
  }
  samples.sort((a, b) => a - b);
  return {
    p50: samples[Math.floor(samples.length * 0.5)] as number,
    p99: samples[Math.floor(samples.length * 0.99)] as number,
  };
}
