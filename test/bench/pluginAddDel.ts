import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAgent } from "../../src/agent.js";
import { median } from "./benchStats.js";

interface Exec {
  readonly file: string;
  readonly args: readonly string[];
}

/** Runs one CNI call without blocking the event loop (the agent may live in this process). */
function runCni(exec: Exec, command: "ADD" | "DEL", containerId: string, config: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(exec.file, [...exec.args], {
      env: { ...process.env, CNI_COMMAND: command, CNI_CONTAINERID: containerId, CNI_NETNS: "/var/run/netns/bench", CNI_IFNAME: "net1", CNI_PATH: "/usr/lib/cni", CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=bench;K8S_POD_NAME=${containerId}` },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`${exec.file} ${command} exited ${code}: ${out}`))));
    child.stdin.end(JSON.stringify(config));
  });
}

/** Median wall milliseconds of ADD then DEL for one pod, over `pods` pods. */
async function addDelMilliseconds(exec: Exec, config: unknown, pods: number): Promise<number> {
  const times: number[] = [];
  for (let index = 0; index < pods; index += 1) {
    const started = process.hrtime.bigint();
    await runCni(exec, "ADD", `bench-${index}`, config);
    await runCni(exec, "DEL", `bench-${index}`, config);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return median(times);
}

export interface PluginFigures {
  readonly nodeStart: number;
  readonly hostLocal?: number;
  readonly pluginNode: number;
  readonly pluginSea?: number;
}

/**
 * Wall time per pod of the CNI ADD+DEL pair, for ipledger's plugin run by `node dist/…` and as
 * the SEA binary, against `node -e 0` and Debian's host-local IPAM plugin doing the same pair.
 */
export async function pluginAddDelFigures(root: string, pods: number): Promise<PluginFigures> {
  const dir = mkdtempSync(join(tmpdir(), "ipledger-bench-cni-"));
  const agent = await startAgent({ dataDir: join(dir, "data"), socket: join(dir, "agent.sock"), node: "bench", quiet: true });
  try {
    const ledgerConfig = { cniVersion: "1.0.0", name: "bench", type: "macvlan", ipam: { type: "ipledger", range: "10.129.0.0/16", socket: agent.socketPath } };
    const hostLocalConfig = { cniVersion: "1.0.0", name: "bench", type: "macvlan", ipam: { type: "host-local", ranges: [[{ subnet: "10.130.0.0/16" }]], dataDir: join(dir, "host-local") } };
    const nodeTimes: number[] = [];
    for (let index = 0; index < pods; index += 1) {
      const started = process.hrtime.bigint();
      await runCni({ file: process.execPath, args: ["-e", "0"] }, "ADD", "noop", {});
      nodeTimes.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    const sea = join(root, "dist/ipledger-cni");
    const hostLocal = "/usr/lib/cni/host-local";
    return {
      nodeStart: median(nodeTimes),
      pluginNode: await addDelMilliseconds({ file: process.execPath, args: [join(root, "dist/plugin/bin.js")] }, ledgerConfig, pods),
      ...(existsSync(sea) ? { pluginSea: await addDelMilliseconds({ file: sea, args: [] }, ledgerConfig, pods) } : {}),
      ...(existsSync(hostLocal) ? { hostLocal: await addDelMilliseconds({ file: hostLocal, args: [] }, hostLocalConfig, pods) } : {}),
    };
  } finally {
    await agent.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
