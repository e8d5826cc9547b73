// Readiness probe for test/services/kafka/start: polls the broker with kafkajs admin calls
// (listTopics, then describeCluster) until both answer or the deadline passes.
//
//   node test/services/kafka/ready.mjs --brokers 127.0.0.1:19092 [--timeout 90] [--pid N] [--cluster-id ID]
//
// --pid: give up at once if that process has exited (the broker died during start-up).
// --cluster-id: the answering cluster must be this one, not some other broker on the port.
// Exit 0 when ready, 1 otherwise. Output on stderr only.
import { readFileSync } from "node:fs";
import process from "node:process";
import { setTimeout as delay } from "node:timers/promises";
import { parseArgs } from "node:util";
import kafkajs from "kafkajs";

const { Kafka, logLevel } = kafkajs;

const { values } = parseArgs({
  options: {
    brokers: { type: "string", default: "127.0.0.1:19092" },
    timeout: { type: "string", default: "60" },
    pid: { type: "string" },
    "cluster-id": { type: "string" },
  },
});

const say = (msg) => process.stderr.write(`[kafka/ready] ${msg}\n`);
const deadline = Date.now() + Number(values.timeout) * 1000;
const pid = values.pid === undefined ? undefined : Number(values.pid);

// Exists and is not a zombie: the daemonized broker is nobody's child here, and a container's
// init may leave it unreaped after it dies.
const alive = (p) => {
  try {
    const stat = readFileSync(`/proc/${p}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
};

const kafka = new Kafka({
  clientId: "ipledger-ready",
  brokers: values.brokers.split(","),
  connectionTimeout: 1000,
  requestTimeout: 5000,
  retry: { retries: 0 },
  logLevel: logLevel.NOTHING,
});

let attempts = 0;
let lastError = "";
const started = Date.now();
while (Date.now() < deadline) {
  attempts += 1;
  if (pid !== undefined && !alive(pid)) {
    say(`broker process ${pid} exited before it was ready`);
    process.exit(1);
  }
  const admin = kafka.admin();
  try {
    await admin.connect();
    const topics = await admin.listTopics();
    const cluster = await admin.describeCluster();
    if (values["cluster-id"] && cluster.clusterId !== values["cluster-id"]) {
      say(`${values.brokers} answers for cluster ${cluster.clusterId}, expected ${values["cluster-id"]}`);
      await admin.disconnect();
      process.exit(1);
    }
    say(
      `ready: ${values.brokers} cluster ${cluster.clusterId}, controller ${cluster.controller}, ` +
        `${cluster.brokers.length} broker(s), ${topics.length} topic(s); ${attempts} attempt(s), ${Date.now() - started} ms`,
    );
    await admin.disconnect();
    process.exit(0);
  } catch (err) {
    lastError = `${err?.name ?? "Error"}: ${err?.message ?? err}`;
    await admin.disconnect().catch(() => {});
  }
  await delay(250);
}
say(`not ready after ${values.timeout} s and ${attempts} attempt(s); last error: ${lastError}`);
process.exit(1);
