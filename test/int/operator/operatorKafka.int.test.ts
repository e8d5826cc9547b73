import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Allowlist } from "../../../src/operator/allowlist.js";
import { localOperator } from "../../../src/operator/operatorIdentity.js";
import type { OperatorResult } from "../../../src/operator/operatorService.js";
import { foldLog, type LedgerView } from "../../../src/ledgerView.js";
import { freshDir } from "../../support/agent/agentFiles.js";
import { requireBuilt } from "../../support/builtDist.js";
import { owner, pool } from "../../support/deciderSpec.js";
import {
  deleteTopics,
  freshTopic,
  kafkaBrokers,
  openTestKafkaLog,
  requireKafka,
} from "../../support/kafka/kafkaEnv.js";
import { ipledger } from "../../support/operator/operatorAgent.js";
import { allocateOn } from "../../support/operator/operatorChecks.js";

// The operator commands directly on a Kafka log (`--kafka`), through the BUILT CLI: it folds the
// topic, appends, and waits for its own fold's verdict, as an agent does.

const hasKafka = requireKafka("operatorKafka.int.test.ts");
const RANGE = "10.60.0.0/24";

// Skips only outside CI, loudly, when no broker is configured; with CI set requireKafka fails the file instead.
describe.skipIf(!hasKafka)("operator commands on a Kafka log", () => {
  const topic = freshTopic("operator");
  let view: LedgerView;
  const kafka = () => [
    "--kafka",
    kafkaBrokers.join(","),
    "--topic",
    topic,
    "--data-dir",
    freshDir("ipledger-op-kafka-"),
  ];

  beforeAll(async () => {
    requireBuilt("dist/src/cli/bin.js");
    view = await foldLog(await openTestKafkaLog(topic));
    for (const name of ["a", "b"]) await allocateOn(view, owner(name), pool(RANGE));
  });
  afterAll(async () => {
    await view?.close();
    await deleteTopics([topic]);
  });

  it("releases with --kafka, and allowlist --kafka sees it", async () => {
    const run = await ipledger(["release", "10.60.0.1", "--reason", "kafka ops", "--output", "json", ...kafka()]);
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as OperatorResult;
    expect(result.outcomes.map((outcome) => outcome.status)).toEqual(["accepted"]);
    expect(result.actor).toMatchObject({ component: "cli", user: localOperator() });
    await view.runner.waitForCatchUp(10_000);
    expect(view.runner.state.domains.get("")?.held.size).toBe(1);
    const list = await ipledger(["allowlist", "--pool", "10.60.0.0-24", "--format", "json", ...kafka()]);
    expect(list.status, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as Allowlist).addresses).toEqual(["10.60.0.2"]);
  });
});
