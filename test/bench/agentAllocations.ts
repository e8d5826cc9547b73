import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAgent } from "../../src/agent.js";
import { benchAddBody, postToSocket } from "./socketPost.js";

/**
 * ADDs per second through the agent's HTTP API on its unix socket, embedded SQLite log, with
 * `concurrency` requests in flight (as many pods starting at once on one node).
 */
export async function agentAllocationsPerSecond(count: number, concurrency: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "ipledger-bench-"));
  const agent = await startAgent({ dataDir: dir, socket: join(dir, "agent.sock"), node: "bench", quiet: true });
  try {
    const body = benchAddBody;
    await postToSocket(agent.socketPath, "/v1/cni/add", body(-1)); // warm-up: defines the pool
    let next = 0;
    const started = process.hrtime.bigint();
    const worker = async (): Promise<void> => {
      while (next < count) {
        const index = next++;
        const status = await postToSocket(agent.socketPath, "/v1/cni/add", body(index));
        if (status !== 200) throw new Error(`ADD ${index} answered ${status}`);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return count / seconds;
  } finally {
    await agent.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
