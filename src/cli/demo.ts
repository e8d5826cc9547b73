import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startAgent } from "../agent.js";
import { askAgent } from "../readModel/agentClient.js";

/**
 * `npm run demo`: drives a few simulated pods through the real `ipledger-cni` executable against
 * an agent (the one `npm start` runs, or a temporary one), then asks `who` and `history`.
 * Every run uses fresh container ids and a namespace of its own (`demo-<run>`), and deletes its
 * pods at the end, so a second run against the same agent tells the same story from the start.
 */
const runId = process.env.IPLEDGER_DEMO_RUN ?? randomBytes(3).toString("hex");
const namespace = `demo-${runId}`;
const root = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const plugin = join(root, "dist/plugin/bin.js");
const cliPath = join(root, "dist/src/cli/bin.js");

const network = {
  cniVersion: "1.0.0",
  name: "demo-macvlan",
  type: "macvlan",
  ipam: {
    type: "ipledger",
    range: "10.77.0.0/24",
    range_start: "10.77.0.2",
    exclude: ["10.77.0.10-10.77.0.19"],
    gateway: "10.77.0.1",
  },
};

/** Runs a child without blocking: the agent may live in this very process. */
function run(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  input?: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", fail);
    child.on("close", (status) => done({ status, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}

async function cli(args: string[]): Promise<string> {
  const result = await run([cliPath, ...args]);
  if (result.status !== 0) throw new Error(`ipledger ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

async function cni(socket: string, command: "ADD" | "DEL", sandbox: string, pod: string): Promise<string> {
  const containerId = `${sandbox}-${runId}`;
  const env = {
    ...process.env,
    CNI_COMMAND: command,
    CNI_CONTAINERID: containerId,
    CNI_NETNS: `/var/run/netns/${containerId}`,
    CNI_IFNAME: "net1",
    CNI_PATH: "/opt/cni/bin",
    CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${namespace};K8S_POD_NAME=${pod};K8S_POD_UID=uid-${containerId}`,
  };
  const result = await run([plugin], env, JSON.stringify({ ...network, ipam: { ...network.ipam, socket } }));
  if (result.status !== 0) throw new Error(`ipledger-cni ${command} failed: ${result.stdout}${result.stderr}`);
  return result.stdout.trim();
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

async function main(): Promise<void> {
  const shared = resolve(".ipledger/agent.sock");
  const running =
    existsSync(shared) &&
    (await askAgent(shared, "/healthz", { timeoutMs: 1000 }).then(
      () => true,
      () => false,
    ));
  const scratch = running ? undefined : mkdtempSync(join(tmpdir(), "ipledger-demo-"));
  const agent = scratch
    ? await startAgent({ dataDir: scratch, socket: join(scratch, "agent.sock"), node: "demo-node", quiet: true })
    : undefined;
  const socket = agent?.socketPath ?? shared;
  const dataArgs = scratch ? ["--data-dir", scratch] : ["--socket", socket];
  say(
    `Using the agent on ${socket}${scratch ? " (a temporary one; run `npm start` to keep the data)" : ""}; this run's pods live in namespace ${namespace}.\n`,
  );
  try {
    const steps: [string, "ADD" | "DEL", string, string][] = [
      ["web-0 starts", "ADD", "sandbox-web0-a", "web-0"],
      ["web-1 starts", "ADD", "sandbox-web1-a", "web-1"],
      ["db-0 starts", "ADD", "sandbox-db0-a", "db-0"],
      ["web-1 is deleted (rolling restart)", "DEL", "sandbox-web1-a", "web-1"],
      ["web-0 is deleted (rolling restart)", "DEL", "sandbox-web0-a", "web-0"],
      ["web-1 is re-created: sticky gives its own address back", "ADD", "sandbox-web1-b", "web-1"],
      ["web-0 is re-created: sticky gives its own address back", "ADD", "sandbox-web0-b", "web-0"],
      ["cache-0 starts: lowest free address", "ADD", "sandbox-cache0-a", "cache-0"],
    ];
    for (const [what, command, sandbox, pod] of steps) {
      const output = await cni(socket, command, sandbox, pod);
      const address =
        command === "ADD"
          ? (JSON.parse(output) as { ips: { address: string }[] }).ips.map((ip) => ip.address).join(", ")
          : "released";
      say(`  ${what.padEnd(56)} → ${address}`);
      await new Promise((done) => setTimeout(done, 50));
    }
    const web1 = JSON.parse(await cni(socket, "ADD", "sandbox-web1-b", "web-1")) as { ips: { address: string }[] };
    const ip = (web1.ips[0]?.address ?? "").split("/")[0] ?? "";
    say(`\n$ ipledger who ${ip}`);
    say(await cli(["who", ip, ...dataArgs]));
    say(`$ ipledger history --ip ${ip}`);
    say(await cli(["history", "--ip", ip, ...dataArgs]));
    say(`$ ipledger history --pod ${namespace}/web-0`);
    say(await cli(["history", "--pod", `${namespace}/web-0`, ...dataArgs]));
    say(`$ ipledger verify`);
    if (scratch) say(await cli(["verify", "--data-dir", scratch]));
    else
      say("(skipped: verify reads the data directory; run `node dist/src/cli/bin.js verify --data-dir .ipledger`)\n");
    // The demo's pods go away, so the next run finds the pool as this one did.
    for (const [sandbox, pod] of [
      ["sandbox-web0-b", "web-0"],
      ["sandbox-web1-b", "web-1"],
      ["sandbox-db0-a", "db-0"],
      ["sandbox-cache0-a", "cache-0"],
    ] as const) {
      await cni(socket, "DEL", sandbox, pod);
    }
    say(`(the demo's pods are deleted: run it again for the same story)`);
  } finally {
    await agent?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
