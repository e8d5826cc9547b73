import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteEventLog } from "../../../ledger/log/sqliteEventLog.js";
import { startAgent, type Agent } from "../../../src/agent.js";
import { LOG_FILE } from "../../../src/dataFiles.js";
import { openReadModel, type ReadModel } from "../../../src/readModel/openReadModel.js";
import { httpJson } from "../../support/agent/agentCalls.js";
import { freshDir } from "../../support/agent/agentFiles.js";
import { cniBody } from "../../support/agent/cniBodies.js";
import { eventually } from "../../support/agent/eventually.js";
import {
  deleteTopics,
  freshTopic,
  kafkaBrokers,
  openTestKafkaLog,
  requireKafka,
} from "../../support/kafka/kafkaEnv.js";
import { describeReadModelContract } from "./readModelContract.js";
import { endOffsetsOf, writeReadModelWorld, type ReadModelWorld } from "./readModelWorld.js";

// One contract, every adapter of the read model: the agent over its unix socket and the
// projection in its data directory (an agent on the embedded SQLite log), and the projection
// rebuilt from a real Kafka topic (an agent on that topic), once and following the topic.

const LOG_DEFAULTS = { topic: "ipledger-events", kafkaPartitions: 6 } as const;

/** Last in each world (it adds pod k/c): a followed model sees an ADD made after it was opened. */
function itFollows(what: string, world: () => { socketPath: string; range: string }, open: () => Promise<ReadModel>) {
  it(`given ${what} opened to follow, when a pod is added afterwards, then its allow-list shows it`, async () => {
    const model = await open();
    try {
      const [pool] = await model.pools();
      const { socketPath, range } = world();
      const reply = await httpJson({ socketPath }, "POST", "/v1/cni/add", {
        body: cniBody({ ipam: { range }, pod: { namespace: "k", name: "c" } }),
      });
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      const list = await eventually(
        () => model.allowlist({ pool: pool?.pool as string }),
        (holders) => holders.length === 2,
        30_000,
        "the followed allow-list to show k/c",
      );
      expect(list.map((holder) => holder.podName).sort()).toEqual(["b", "c"]);
    } finally {
      await model.close();
    }
  });
}

describe("read model on the embedded log", () => {
  let dir: string;
  let agent: Agent;
  let world: ReadModelWorld;
  beforeAll(async () => {
    dir = freshDir("ipledger-read-model-");
    agent = await startAgent({ dataDir: join(dir, "data"), socket: join(dir, "agent.sock"), node: "n1", quiet: true });
    world = await writeReadModelWorld(
      agent.socketPath,
      "10.71.0.0/24",
      endOffsetsOf(async () => openSqliteEventLog({ path: join(dir, "data", LOG_FILE) })),
    );
  });
  afterAll(async () => {
    await agent?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describeReadModelContract(
    "the agent over its unix socket",
    () => world,
    () => openReadModel({ ...LOG_DEFAULTS, dataDir: join(dir, "nowhere"), socket: agent.socketPath }),
  );
  describeReadModelContract(
    "the projection in the data directory",
    () => world,
    () => openReadModel({ ...LOG_DEFAULTS, dataDir: join(dir, "data"), consistent: true }),
  );
  describeReadModelContract(
    "the projection in the data directory, followed",
    () => world,
    () => openReadModel({ ...LOG_DEFAULTS, dataDir: join(dir, "data"), follow: true }),
  );
  itFollows(
    "the data directory",
    () => ({ socketPath: agent.socketPath, range: world.range }),
    () => openReadModel({ ...LOG_DEFAULTS, dataDir: join(dir, "data"), follow: true }),
  );
});

const hasKafka = requireKafka("readModel.int.test.ts");

// Skips only outside CI, loudly, when no broker is configured; with CI set requireKafka fails the file instead.
describe.skipIf(!hasKafka)("read model on a Kafka log", () => {
  const topic = freshTopic("read-model");
  let dir: string;
  let agent: Agent;
  let world: ReadModelWorld;
  const kafka = () => ({ ...LOG_DEFAULTS, dataDir: join(dir, "nowhere"), kafka: kafkaBrokers.join(","), topic });
  beforeAll(async () => {
    dir = freshDir("ipledger-read-model-kafka-");
    const log = await openTestKafkaLog(topic, { createTopic: true });
    agent = await startAgent({
      dataDir: join(dir, "data"),
      socket: join(dir, "agent.sock"),
      node: "k1",
      quiet: true,
      log,
    });
    world = await writeReadModelWorld(
      agent.socketPath,
      "10.72.0.0/24",
      endOffsetsOf(() => openTestKafkaLog(topic)),
    );
  });
  afterAll(async () => {
    await agent?.close();
    await deleteTopics([topic]);
    rmSync(dir, { recursive: true, force: true });
  });

  describeReadModelContract(
    "a projection rebuilt from the Kafka topic",
    () => world,
    () => openReadModel(kafka()),
  );
  describeReadModelContract(
    "a projection that follows the Kafka topic",
    () => world,
    () => openReadModel({ ...kafka(), follow: true }),
  );
  itFollows(
    "the Kafka topic",
    () => ({ socketPath: agent.socketPath, range: world.range }),
    () => openReadModel({ ...kafka(), follow: true }),
  );
});
