// Liveness tells the truth about the log: an agent on Kafka whose broker is gone stays live for a
// short outage (a restart would not bring the broker back), fails /healthz with 503 once the log
// has been unreachable for longer than its bound (a client that has not reconnected by then may
// never; a fresh process does), and is live again when the broker returns. The broker is a
// private one of this test (startPrivateBroker), so the shared broker is never stopped.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openKafkaEventLog } from "../../../ledger/log/kafka/kafkaEventLog.js";
import { startAgent, type Agent } from "../../../src/agent.js";
import { freshTopic, requireKafka } from "../../support/kafka/kafkaEnv.js";
import { startPrivateBroker, type PrivateBroker } from "../../support/kafka/privateBroker.js";

const hasKafka = requireKafka("healthzLogGone.int.test.ts");
const STALL_BOUND_MS = 5_000;

interface Health {
  readonly status: number;
  readonly reason?: string;
}

async function healthOf(agent: Agent): Promise<Health> {
  const reply = await agent.socketApp.inject({ method: "GET", url: "/healthz" });
  const body = reply.json<{ ok: boolean; reason?: string }>();
  return { status: reply.statusCode, ...(body.reason ? { reason: body.reason } : {}) };
}

/** Polls /healthz until `done` says so; returns every answer seen, in order. */
async function pollHealth(agent: Agent, done: (health: Health) => boolean, timeoutMs: number): Promise<Health[]> {
  const seen: Health[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const health = await healthOf(agent);
    seen.push(health);
    if (done(health)) return seen;
    if (Date.now() > deadline) throw new Error(`/healthz never settled; answers: ${JSON.stringify(seen.slice(-3))}`);
    await sleep(250);
  }
}

// Skips only outside CI, loudly, when no broker is configured; with CI set requireKafka fails the file instead.
describe.skipIf(!hasKafka)("/healthz when the Kafka log is gone", () => {
  let broker: PrivateBroker | undefined;
  let agent: Agent | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), "ipledger-healthz-gone-"));

  beforeAll(async () => {
    broker = await startPrivateBroker();
  }, 120_000);

  afterAll(async () => {
    await agent?.close().catch(() => undefined);
    await broker?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it("stays live through a short outage, fails with 503 once the log has been unreachable past the bound, and is live again when the broker returns", async () => {
    if (!broker) throw new Error("no private broker");
    const log = await openKafkaEventLog({
      brokers: broker.brokers,
      topic: freshTopic("healthz-gone"),
      clientId: "healthz-gone",
      partitions: 2,
      replicationFactor: 1,
      appendTimeoutMs: 2_000,
      readTimeoutMs: 5_000,
    });
    agent = await startAgent({
      dataDir,
      socket: join(dataDir, "agent.sock"),
      node: "healthz-gone",
      log,
      stallBoundMs: STALL_BOUND_MS,
      quiet: true,
    });
    // Given a caught-up agent on a reachable broker, liveness holds.
    expect((await healthOf(agent)).status).toBe(200);

    // When the broker goes away (the agent's connections and its tail consumer with it)…
    await broker.stop();
    const outage = await pollHealth(agent, (health) => health.status === 503, 120_000);

    // …then it first says it is recovering (a short outage is no reason to restart)…
    expect(outage[0]).toMatchObject({ status: 200, reason: expect.stringMatching(/unreachable/) });
    // …and fails once the log has been unreachable past the bound, saying why.
    expect(outage.at(-1)?.reason).toMatch(/the log has been unreachable for \d+ s \(bound 5 s\).*a restart reconnects/);
    expect(outage.every((health) => health.status === 200 || health.status === 503)).toBe(true);

    // When the broker returns, the same process is live again without a restart.
    await broker.start();
    const back = await pollHealth(agent, (health) => health.status === 200, 120_000);
    expect(back.at(-1)?.status).toBe(200);
  }, 300_000);
});
