import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cniCall, podBody, quantile, type CallOutcome } from "../support/kafka/cniCalls.js";
import { startKafkaAgent, type KafkaAgentProcess } from "../support/kafka/kafkaAgentProcess.js";
import { deleteTopic } from "./kafkaBench.js";

/** One pool shared by every agent: a /20 (4,094 addresses) for 20 × 50 claims. */
const POOL = { range: "10.77.0.0/20" };

export interface ContentionFigures {
  readonly agents: number;
  readonly adds: number;
  readonly ok: number;
  readonly voided: number;
  readonly duplicates: number;
  readonly p50: number;
  readonly p99: number;
  /** Failed ADDs by CNI code and the start of their message. */
  readonly failures: Record<string, number>;
}

/**
 * `agents` agent processes (the built CLI), each with its own node name, on one fresh Kafka topic;
 * each gets `perAgent` concurrent ADDs on one pool, all at once. Counts the claims the fold voided
 * (`ipledger_voided_claims_total` summed over the agents) and the ADD latencies.
 */
export async function contentionBurst(
  brokers: readonly string[],
  agents: number,
  perAgent: number,
): Promise<ContentionFigures> {
  const topic = `ipledger-bench-contend-${randomUUID().slice(0, 8)}`;
  const root = mkdtempSync(join(tmpdir(), "ipledger-bench-contend-"));
  const started: KafkaAgentProcess[] = [];
  try {
    const start = (n: number) =>
      startKafkaAgent({ node: `node-${n}`, dataDir: join(root, `agent-${n}`), brokers, topic });
    started.push(await start(1)); // creates the topic; the others join it
    for (let n = 2; n <= agents; n += 4) {
      const batch = Array.from({ length: Math.min(4, agents - n + 1) }, (_, index) => start(n + index));
      started.push(...(await Promise.all(batch)));
    }
    const outcomes: CallOutcome[] = await Promise.all(
      started.flatMap((agent, a) =>
        Array.from({ length: perAgent }, (_, i) =>
          cniCall(agent.socketPath, "add", podBody(`a${a}-p${i}`, POOL, "contend"), 120_000),
        ),
      ),
    );
    const ok = outcomes.filter((outcome) => outcome.status === 200);
    const voided = (await Promise.all(started.map((agent) => agent.voidedClaims()))).reduce((sum, n) => sum + n, 0);
    const ms = ok.map((outcome) => outcome.ms);
    return {
      agents,
      adds: outcomes.length,
      ok: ok.length,
      voided,
      duplicates: ok.length - new Set(ok.map((outcome) => outcome.ip)).size,
      p50: quantile(ms, 0.5),
      p99: quantile(ms, 0.99),
      failures: tally(outcomes.filter((outcome) => outcome.status !== 200)),
    };
  } finally {
    await Promise.all(started.map((agent) => agent.stop()));
    await deleteTopic(brokers, topic).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  }
}

function tally(failed: readonly CallOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of failed) {
    const key = `code ${outcome.code ?? outcome.status}: ${(outcome.message ?? "").slice(0, 80)}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/**
 * Many nodes, one pool: 20 agents × 50 concurrent ADDs, next to one agent × 50 on the same broker
 * in the same run (the latency baseline: what the machine gives a writer that is alone).
 */
export async function reportContentionBenchmarks(
  brokers: readonly string[],
  report: (line: string) => void,
): Promise<void> {
  const agents = Number(process.env.BENCH_CONTENTION_AGENTS ?? 20);
  const perAgent = Number(process.env.BENCH_CONTENTION_ADDS ?? 50);
  const lone = await contentionBurst(brokers, 1, perAgent);
  report(
    `contend   1 agent × ${perAgent} concurrent ADDs (baseline)                    p50 ${lone.p50.toFixed(0)} ms, p99 ${lone.p99.toFixed(0)} ms, ${lone.voided} voided`,
  );
  const many = await contentionBurst(brokers, agents, perAgent);
  const failed = many.adds - many.ok;
  report(
    `contend   ${agents} agents × ${perAgent} concurrent ADDs on one /20, Kafka     ${(many.voided / many.adds).toFixed(3)} voided claims per ADD (${many.voided} of ${many.adds}); p50 ${many.p50.toFixed(0)} ms, p99 ${many.p99.toFixed(0)} ms (${(many.p99 / lone.p99).toFixed(2)}× the lone agent's p99)${failed ? `; ${failed} ADDs FAILED ${JSON.stringify(many.failures)}` : ""}${many.duplicates ? `; ${many.duplicates} DUPLICATE ADDRESSES` : ""}`,
  );
}
