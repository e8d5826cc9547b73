import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Holder } from "../../../projections/sqlite/queries.js";
import { startAgent, type Agent } from "../../../src/agent.js";
import { httpJson } from "../../support/agent/agentCalls.js";
import { freshDir } from "../../support/agent/agentFiles.js";
import { cniBody } from "../../support/agent/cniBodies.js";
import { readAll } from "../../support/agent/testAgent.js";
import { ipledgerHere, ipledgerHereJson } from "../../support/audit/auditCli.js";
import { writeKeyPair } from "../../support/audit/logCopies.js";
import {
  deleteTopics,
  freshTopic,
  kafkaBrokers,
  openTestKafkaLog,
  requireKafka,
} from "../../support/kafka/kafkaEnv.js";

// The auditor's commands on a Kafka log (`--kafka`): the topic is replayed into a throw-away
// projection; an agent on the topic with --signing-key appends signed checkpoints that
// verify --public-key checks against the chain every reader computes.

const hasKafka = requireKafka("auditKafka.int.test.ts");

// Skips only outside CI, loudly, when no broker is configured; with CI set requireKafka fails the file instead.
describe.skipIf(!hasKafka)("audit commands on a Kafka log", () => {
  const topic = freshTopic("audit");
  let dir: string;
  let agent: Agent;
  let keys: { privatePath: string; publicPath: string };
  const kafka = () => ["--kafka", kafkaBrokers.join(","), "--topic", topic];
  const add = async (name: string) => {
    const reply = await httpJson({ socketPath: agent.socketPath }, "POST", "/v1/cni/add", {
      body: cniBody({ ipam: { range: "10.70.0.0/24" }, pod: { namespace: "k", name } }),
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    return ((reply.body.ips as { address: string }[])[0]?.address ?? "").split("/")[0] as string;
  };

  beforeAll(async () => {
    dir = freshDir("ipledger-audit-kafka-");
    keys = writeKeyPair(dir);
    const log = await openTestKafkaLog(topic, { createTopic: true });
    agent = await startAgent({
      dataDir: join(dir, "data"),
      socket: join(dir, "agent.sock"),
      node: "kafka-node",
      quiet: true,
      log,
      signingKey: keys.privatePath,
      checkpointIntervalMs: 200,
    });
  });
  afterAll(async () => {
    await agent?.close();
    await deleteTopics([topic]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("who, history and attribute replay the topic; verify --public-key checks the agent's checkpoints", async () => {
    const first = await add("a");
    const second = await add("b");
    const between = Date.now();
    await httpJson({ socketPath: agent.socketPath }, "POST", "/v1/cni/del", {
      body: cniBody({ ipam: { range: "10.70.0.0/24" }, pod: { namespace: "k", name: "a" } }),
    });
    const view = await openTestKafkaLog(topic);
    try {
      for (let wait = 0; !(await readAll(view)).some(({ event }) => event.type === "CheckpointSigned"); wait += 1) {
        if (wait > 100) throw new Error("no signed checkpoint after 10 s");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await view.close();
    }

    const who = await ipledgerHereJson<{ holders: Holder[] }>(["who", first, "--at", String(between), ...kafka()]);
    expect(who.holders.map((h) => [h.podName, h.node])).toEqual([["a", "kafka-node"]]);
    const history = await ipledgerHereJson<{ holders: Holder[] }>(["history", "--pod", "k/a", ...kafka()]);
    expect(history.holders).toMatchObject([{ ip: first, endReason: "cni-del", closedBy: { node: "kafka-node" } }]);
    const input = join(dir, "fw.csv");
    writeFileSync(input, `${new Date(between).toISOString()},${second}\n`);
    const attributed = await ipledgerHere(["attribute", "--input", input, ...kafka()]);
    expect(attributed.stdout).toMatch(/,k\/b,uid-b,kafka-node,10\.70\.0\.0-24\n$/);

    const verify = await ipledgerHere([
      "verify",
      "--data-dir",
      join(dir, "data"),
      "--public-key",
      keys.publicPath,
      ...kafka(),
    ]);
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/signed checkpoints verified/);
  });
});
