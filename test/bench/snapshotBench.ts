import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decideAllocation, decideRelease, evolve, type LedgerState, type TargetPool } from "../../ledger/core/index.js";
import { openSqliteEventLog } from "../../ledger/log/sqliteEventLog.js";
import { LOG_FILE, startAgent } from "../../src/agent.js";
import { generateChurn } from "../../src/generate/churnGenerator.js";
import { formatRate } from "./benchStats.js";
import { benchPool, foldStateRssMb, stateWith } from "./foldMemory.js";

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
 * leaves them): RSS of a process holding it, and an ADD's pure part (decide, then fold its events) next to an
 * empty /24. BENCH_ONLY=scale runs just this.
 */
export async function reportScaleBenchmarks(liveAllocations: number, report: (line: string) => void): Promise<void> {
  const memory = foldStateRssMb(liveAllocations);
  report(
    `snapshot  process holding the fold state, ${liveAllocations} live allocations (one /64)  ${memory.rssMb.toFixed(0)} MB RSS (${memory.heapMb.toFixed(0)} MB heap; the agent's floor)`,
  );
  const v6 = benchPool("fd00:1::/64");
  const v4 = benchPool("10.99.0.0/24");
  const big = stateWith(v6, liveAllocations);
  const small = stateWith(v4, 0);
  const [onBig, onSmall] = [addTimes(big, v6), addTimes(small, v4)];
  report(
    `snapshot  ADD decide+fold p99, /64 with ${liveAllocations} allocations vs empty /24   ${onBig.p99.toFixed(3)} ms vs ${onSmall.p99.toFixed(3)} ms  (${(onBig.p99 / onSmall.p99).toFixed(2)}×; p50 ${onBig.p50.toFixed(3)} vs ${onSmall.p50.toFixed(3)} ms)`,
  );
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
