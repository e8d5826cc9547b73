import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { requestAgent } from "../../plugin/agentClient.js";

/** Clock ticks per second of /proc's CPU counters (100 on Linux almost everywhere). */
const TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** CPU seconds from /proc/<pid>/stat: the process's own (utime+stime) and its reaped children's (cutime+cstime). */
export function cpuSeconds(pid: number | "self"): { own: number; children: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat
    .slice(stat.lastIndexOf(")") + 2)
    .split(" ")
    .map(Number);
  // After "pid (comm) ", field 3 (state) is index 0; utime, stime, cutime, cstime are fields 14–17.
  const at = (field: number): number => fields[field - 3] ?? 0;
  return { own: (at(14) + at(15)) / TICKS, children: (at(16) + at(17)) / TICKS };
}

/** The CNI executables the benchmarks compare. */
export interface CniExec {
  readonly label: string;
  readonly file: string;
  readonly args: readonly string[];
}

export function pipeExecs(root: string): { native: CniExec; node: CniExec; hostLocal: CniExec } {
  return {
    native: { label: "native pipe dist/ipledger-cni", file: join(root, "dist/ipledger-cni"), args: [] },
    node: { label: "node pipe dist/plugin/bin.js", file: process.execPath, args: [join(root, "dist/plugin/bin.js")] },
    hostLocal: { label: "Debian host-local", file: "/usr/lib/cni/host-local", args: [] },
  };
}

/** Runs one CNI call without blocking the event loop; rejects on a non-zero exit with what it printed. */
export function runCni(exec: CniExec, command: "ADD" | "DEL", containerId: string, config: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(exec.file, [...exec.args], {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        CNI_COMMAND: command,
        CNI_CONTAINERID: containerId,
        CNI_NETNS: "/var/run/netns/bench",
        CNI_IFNAME: "net1",
        CNI_PATH: "/usr/lib/cni",
        CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=bench;K8S_POD_NAME=${containerId}`,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`${exec.label} ${command} exited ${code}: ${out}`)),
    );
    child.stdin.end(JSON.stringify(config));
  });
}

/** A running `ipledger agent` process (dist/), so its CPU can be read apart from the pipes'. */
export interface AgentUnderBench {
  readonly socketPath: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts `node dist/src/cli/bin.js agent …` with `extraArgs` (e.g. `--kafka`) and waits for /readyz. */
export async function startBenchAgent(
  root: string,
  dataDir: string,
  extraArgs: readonly string[] = [],
): Promise<AgentUnderBench> {
  const socketPath = join(dataDir, "agent.sock");
  const child: ChildProcess = spawn(
    process.execPath,
    [
      join(root, "dist/src/cli/bin.js"),
      "agent",
      "--data-dir",
      dataDir,
      "--socket",
      socketPath,
      "--node",
      "bench",
      ...extraArgs,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let errors = "";
  child.stderr?.on("data", (chunk: Buffer) => (errors = (errors + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`bench agent exited with ${child.exitCode}: ${errors}`);
    const ready = await requestAgent({ socketPath, method: "GET", path: "/readyz", timeoutMs: 2000 }).then(
      (answer) => answer.status === 200,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`bench agent not ready within 60 s: ${errors}`);
    await sleep(100);
  }
  return {
    socketPath,
    pid: child.pid ?? -1,
    async stop() {
      child.kill("SIGTERM");
      await Promise.race([exited, sleep(15_000).then(() => child.kill("SIGKILL"))]);
    },
  };
}
