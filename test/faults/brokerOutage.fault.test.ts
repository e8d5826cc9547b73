import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { faultContext } from "../support/faults/faultContext.js";
import { expectKeptPromises, runFaultScenario } from "../support/faults/faultScenario.js";
import { deleteTopics, freshTopic, requireKafka } from "../support/kafka/kafkaEnv.js";
import { startPrivateBroker, type PrivateBroker } from "../support/kafka/privateBroker.js";

const SCENARIO = "broker stop and start";
// The private broker is started with the same scripts as the shared one; a configured shared
// broker is how the suite knows the scripts, the JDK and the cached jars are there.
const hasKafka = requireKafka("brokerOutage.fault.test.ts");

// Skips only outside CI, loudly, when no broker is configured; with CI set requireKafka fails the file instead.
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
    if (!broker) throw new Error("no private broker");
    const own = broker;
    const topic = freshTopic("fault-outage");
    const logArgs = ["--kafka", own.brokers.join(","), "--topic", topic, "--kafka-partitions", "3"];
    const options = {
      scenario: SCENARIO,
      purpose: "broker",
      range: "10.86.0.0/20",
      agentArgs: [...logArgs, "--append-timeout", "2000"],
      verifyArgs: logArgs,
      recoveryBoundMs: 60_000,
      readyTimeoutMs: 60_000,
    };
    let failedWhileDown = 0;
    const findings = await runFaultScenario(context, options, async (run) => {
      let down = true;
      const outage = async () => {
        await sleep(context.between(1_500, 3_000));
        await own.stop();
        const failedBefore = run.workload.calls().failed;
        await sleep(context.between(4_000, 7_000));
        failedWhileDown = run.workload.calls().failed - failedBefore;
        await own.start();
        down = false;
      };
      await Promise.all([run.workload.burst(() => !down), outage()]);
      await run.tally.afterFault(run.supervisor);
    });
    await deleteTopics([topic], own.brokers);
    expectKeptPromises(findings);
    expect(
      failedWhileDown,
      "calls failed while the broker was down (else the scenario tested nothing)",
    ).toBeGreaterThan(0);
  });
});
