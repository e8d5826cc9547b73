import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deleteTopic } from "./kafkaBench.js";
import { cpuSeconds, runCni, startBenchAgent, type CniExec } from "./pipeProcesses.js";

/** One burst: `pods` ADDs, `parallel` in flight, through one pipe into one fresh agent process. */
export interface BurstFigures {
  readonly wallSeconds: number;
  readonly podsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU seconds of all the pipe processes together, and of the agent process. */
  readonly pipeCpuSeconds: number;
  readonly agentCpuSeconds: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/**
 * `pods` CNI ADDs, `parallel` at a time, like a node starting many pods at once, through `exec`
 * into a fresh agent on the embedded log, or on a fresh Kafka topic when `brokers` are given.
 * Latency is per ADD, spawn to exit.
 */
export async function pipeBurst(
  root: string,
  exec: CniExec,
  pods: number,
  parallel: number,
  brokers?: readonly string[],
): Promise<BurstFigures> {
  const dir = mkdtempSync(join(tmpdir(), "ipledger-bench-burst-"));
  const topic = `ipledger-bench-pipe-${randomUUID().slice(0, 8)}`;
  const agent = await startBenchAgent(
    root,
    join(dir, "data"),
    brokers ? ["--kafka", brokers.join(","), "--topic", topic, "--kafka-partitions", "3"] : [],
  );
  try {
    const config = {
      cniVersion: "1.0.0",
      name: "burst",
      type: "macvlan",
      ipam: { type: "ipledger", range: "10.140.0.0/16", socket: agent.socketPath, agent_timeout_seconds: 120 },
    };
    // A generous deadline: 50 node pipes starting at once on a small machine queue for CPU, and a code 11 would end the run.
    const latencies: number[] = [];
    const pipeBefore = cpuSeconds("self").children;
    const agentBefore = cpuSeconds(agent.pid).own;
    const started = performance.now();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < pods) {
        const index = next++;
        const begun = performance.now();
        await runCni(exec, "ADD", `burst-${index}`, config);
        latencies.push(performance.now() - begun);
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
    const wallSeconds = (performance.now() - started) / 1000;
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      wallSeconds,
      podsPerSecond: pods / wallSeconds,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      pipeCpuSeconds: cpuSeconds("self").children - pipeBefore,
      agentCpuSeconds: cpuSeconds(agent.pid).own - agentBefore,
    };
  } finally {
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
    if (brokers) await deleteTopic(brokers, topic).catch(() => undefined);
  }
}
