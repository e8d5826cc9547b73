import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "../e2e/repoPaths.js";

const run = promisify(execFile);
const SCRIPTS = join(REPO_ROOT, "test", "services", "kafka");

/** A broker of this test's own, started and stopped with the same scripts CI uses. */
export interface PrivateBroker {
  readonly brokers: readonly string[];
  /** `KEEP_STATE=1 test/services/kafka/stop`: the broker goes away, its data stays. */
  stop(): Promise<void>;
  /** `test/services/kafka/start` again on the kept state: same port, same data. */
  start(): Promise<void>;
  /** Stops it and removes its state. Idempotent. */
  destroy(): Promise<void>;
}

/**
 * Starts a single-node Kafka with `test/services/kafka/start` on free ports and a state
 * directory of its own, so a test can stop and restart it without touching the shared broker
 * (`IPLEDGER_KAFKA_BROKERS`) that other test files, running in parallel, are using. It reuses the
 * cached jars, so it costs one JVM start (about 3–8 s).
 *
 * @example
 *   const broker = await startPrivateBroker();
 *   await broker.stop(); await broker.start(); await broker.destroy();
 */
export async function startPrivateBroker(): Promise<PrivateBroker> {
  const port = await freePortPair();
  const state = mkdtempSync(join(tmpdir(), "ipledger-kafka-private-"));
  const env = { ...process.env, IPLEDGER_KAFKA_PORT: String(port), IPLEDGER_KAFKA_STATE: state };
  const start = async () => {
    const { stdout } = await run(join(SCRIPTS, "start"), { env, cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
    return stdout.trim().split("\n").at(-1) ?? "";
  };
  const address = await start();
  let destroyed = false;
  return {
    brokers: [address],
    async stop() {
      await run(join(SCRIPTS, "stop"), { env: { ...env, KEEP_STATE: "1" }, cwd: REPO_ROOT });
    },
    async start() {
      await start();
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await run(join(SCRIPTS, "stop"), { env, cwd: REPO_ROOT }).catch(() => undefined);
      rmSync(state, { recursive: true, force: true });
    },
  };
}

/** A port P with P and P+1 (the controller's) both free on 127.0.0.1. */
async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = 20_000 + Math.floor(Math.random() * 20_000) * 2;
    if ((await isFree(port)) && (await isFree(port + 1))) return port;
  }
  throw new Error("no two consecutive free ports found between 20000 and 60000");
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
