import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCli } from "../../../src/cli/program.js";
import type { Allowlist } from "../../../src/operator/allowlist.js";
import { addOk } from "../../support/agent/agentCalls.js";
import { cniBody } from "../../support/agent/cniBodies.js";
import { manualClock } from "../../support/agent/manualClock.js";
import { requireBuilt } from "../../support/builtDist.js";
import { capturedIo } from "../../support/cli/capturedIo.js";
import { owner, pool } from "../../support/deciderSpec.js";
import { AGENT_BIN, REPO_ROOT } from "../../support/e2e/repoPaths.js";
import { ipledger, startOperatorAgent, type OperatorAgent } from "../../support/operator/operatorAgent.js";
import { allocateOn } from "../../support/operator/operatorChecks.js";

// allowlist through the BUILT CLI. `--at` is checked against `who --at` (the real command, run
// in-process through runCli for speed) for every address of the pool at moments of a churn
// scenario that mixes CNI ADD/DEL with operator actions, on event boundaries and between them.

const RANGE = "10.30.0.0/28";
const POOL = "10.30.0.0-28";
const ADDRESSES = Array.from({ length: 14 }, (_, index) => `10.30.0.${index + 1}`);
const body = (name: string) => cniBody({ pod: { name }, ipam: { range: RANGE } });

/** `ipledger who <ip> --at <ms> --output json`, in-process: the holder's address or null. */
async function whoAt(dataDir: string, ip: string, atMs: number): Promise<string | null> {
  const io = capturedIo();
  expect(
    await runCli(["node", "ipledger", "who", ip, "--at", String(atMs), "--output", "json", "--data-dir", dataDir], io),
  ).toBe(0);
  return (JSON.parse(io.stdoutText()) as { holder: { ip: string } | null }).holder?.ip ?? null;
}

describe("allowlist", () => {
  let op: OperatorAgent;
  let dataDir: string;
  const moments: number[] = [];
  const clock = manualClock(Date.parse("2026-11-20T03:00:00Z"));
  const step = async (run: () => Promise<unknown>): Promise<void> => {
    clock.advance(1_000);
    await run();
    moments.push(clock.now().getTime()); // exactly on the step's events…
    moments.push(clock.now().getTime() + 500); // …and between two steps
  };
  const act = (action: string, payload: Record<string, unknown>) =>
    op.app.inject({ method: "POST", url: `/v1/admin/${action}`, payload: { reason: "churn", ...payload } });

  beforeAll(async () => {
    requireBuilt("dist/src/cli/bin.js");
    op = await startOperatorAgent({ node: "node-a", now: clock.now });
    dataDir = op.agent.dataDir;
    await step(async () => {
      for (const name of ["a", "b", "c"]) await addOk(op.app, body(name));
    });
    await step(async () => {
      await addOk(op.app, body("d"));
      await op.app.inject({ method: "POST", url: "/v1/cni/del", payload: body("b") });
    });
    await step(async () => {
      expect((await act("release", { ip: "10.30.0.3" })).statusCode).toBe(200);
      expect((await act("reserve", { target: "10.30.0.2" })).statusCode).toBe(200);
      await allocateOn(op.agent, owner("x", { node: "node-b" }), pool(RANGE), clock.now().toISOString());
    });
    await step(async () => {
      for (const name of ["e", "f"]) await addOk(op.app, body(name));
    });
    await step(async () => expect((await act("drain-node", { node: "node-b" })).statusCode).toBe(200));
    await step(async () => expect((await act("reset-pool", { pool: POOL, confirm: true })).statusCode).toBe(200));
    await step(async () => addOk(op.app, body("g")));
  });
  afterAll(() => op?.close());

  it("--at agrees with who --at for every address of the pool, at every moment of the churn", async () => {
    const picked = [moments[1], moments[4], moments[7], moments[9], moments[11]] as number[]; // boundaries and in-betweens
    const lists = await Promise.all(
      picked.map((atMs) =>
        ipledger(["allowlist", "--pool", POOL, "--at", String(atMs), "--format", "json", "--data-dir", dataDir]),
      ),
    );
    const nonEmpty = new Set<number>();
    for (const [index, atMs] of picked.entries()) {
      const run = lists[index] as Awaited<ReturnType<typeof ipledger>>;
      expect(run.status, run.stderr).toBe(0);
      const list = JSON.parse(run.stdout) as Allowlist;
      expect(list.at).toBe(new Date(atMs).toISOString());
      const held: string[] = [];
      for (const ip of ADDRESSES) if ((await whoAt(dataDir, ip, atMs)) !== null) held.push(ip);
      expect(list.addresses, `at ${new Date(atMs).toISOString()}`).toEqual(held);
      nonEmpty.add(held.length);
    }
    expect(nonEmpty.size).toBeGreaterThan(2); // the moments really differ
  });

  it("lists the present as lines or collapsed CIDRs, from the data dir or the agent; an unknown pool is an error", async () => {
    const socket = join(dataDir, "agent.sock");
    await op.app.listen({ path: socket });
    await addOk(op.app, body("h"));
    const [lines, cidrs] = await Promise.all([
      ipledger(["allowlist", "--pool", POOL, "--data-dir", dataDir]),
      ipledger(["allowlist", "--namespace", "ns", "--format", "cidrs", "--socket", socket]),
    ]);
    expect(lines.stdout).toBe("10.30.0.1\n10.30.0.3\n");
    expect(cidrs.stdout).toBe("10.30.0.1/32\n10.30.0.3/32\n");
    const unknown = await op.app.inject({ method: "GET", url: "/v1/allowlist?pool=nope" });
    expect(unknown.statusCode).toBe(404);
  });

  it("--watch prints a new list when it changes and stops on SIGINT", async () => {
    const child = spawn(
      process.execPath,
      [AGENT_BIN, "allowlist", "--pool", POOL, "--watch", "--interval", "100", "--data-dir", dataDir],
      { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    try {
      await vi.waitFor(() => expect(output).toBe("# 2 address(es)\n10.30.0.1\n10.30.0.3\n"), {
        timeout: 10_000,
        interval: 50,
      });
      await addOk(op.app, body("i"));
      await vi.waitFor(() => expect(output).toMatch(/# 3 address\(es\)\n10\.30\.0\.1\n10\.30\.0\.3\n10\.30\.0\.4\n$/), {
        timeout: 10_000,
        interval: 50,
      });
      child.kill("SIGINT");
      expect(await exited).toBe(0);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
