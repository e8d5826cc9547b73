import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { faultContext } from "../support/faults/faultContext.js";
import { startTally } from "../support/faults/faultTally.js";
import { superviseAgent } from "../support/faults/supervisor.js";
import { createWorkload } from "../support/faults/workload.js";
import { ensureBuilt } from "../support/kafka/kafkaAgentProcess.js";
import { deleteTopics, freshTopic, requireKafka } from "../support/kafka/kafkaEnv.js";
import { startPrivateBroker, type PrivateBroker } from "../support/kafka/privateBroker.js";

const SCENARIO = "broker stop and start";
// The private broker is started with the same scripts as the shared one; a configured shared
// broker is how the suite knows the scripts, the JDK and the cached jars are there.
const hasKafka = requireKafka("brokerOutage.fault.test.ts");

describe.skipIf(!hasKafka)(SCENARIO, () => {
  const context = faultContext(SCENARIO);
  let broker: PrivateBroker | undefined;
  beforeAll(async () => {
    broker = await startPrivateBroker();
  }, 120_000);
  afterAll(async () => {
    await broker?.destroy();
    context.cleanup();
  }, 60_000);

  it("given an agent on Kafka mid-burst, when its broker stops for seconds and starts again, then no acknowledgement is lost and the agent serves again by itself", async () => {
    ensureBuilt();
    if (!broker) throw new Error("no private broker");
    const topic = freshTopic("fault-outage");
    const dataDir = context.tempDir("broker");
    const socketPath = join(dataDir, "agent.sock");
    const logArgs = ["--kafka", broker.brokers.join(","), "--topic", topic, "--kafka-partitions", "3"];
    const supervisor = superviseAgent({ dataDir, socketPath, node: "fault-broker", extraArgs: [...logArgs, "--append-timeout", "2000"], readyTimeoutMs: 60_000 });
    const workload = createWorkload({ socketPath, random: context.random, ipam: { range: "10.86.0.0/20" }, network: "fault-broker" });
    const tally = startTally({ scenario: SCENARIO, resultsFile: context.resultsFile, dataDir, workload, recoveryBoundMs: 60_000 });
    let failedWhileDown = 0;
    try {
      await supervisor.waitServing(60_000);
      let down = true;
      await Promise.all([
        workload.burst(() => !down),
        (async () => {
          await sleep(context.between(1_500, 3_000));
          await broker.stop();
          const failedBefore = workload.calls().failed;
          await sleep(context.between(4_000, 7_000));
          failedWhileDown = workload.calls().failed - failedBefore;
          await broker.start();
          down = false;
        })(),
      ]);
      await tally.afterFault(supervisor);
    } catch (error) {
      await supervisor.stop({ kill: true });
      throw error;
    }
    const findings = await tally.finish(supervisor, logArgs);
    await deleteTopics([topic], broker.brokers);
    expect(findings.unrecovered).toEqual([]);
    expect(findings.lost).toEqual([]);
    expect(findings.duplicates).toEqual([]);
    expect(findings.verify.status, findings.verify.output).toBe(0);
    expect(failedWhileDown, "calls failed while the broker was down (else the scenario tested nothing)").toBeGreaterThan(0);
  });
});
