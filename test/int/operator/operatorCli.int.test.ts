import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localOperator } from "../../../src/operator/operatorIdentity.js";
import type { OperatorResult } from "../../../src/operator/operatorService.js";
import { addOk } from "../../support/agent/agentCalls.js";
import { cniBody } from "../../support/agent/cniBodies.js";
import { requireBuilt } from "../../support/builtDist.js";
import { owner, pool } from "../../support/deciderSpec.js";
import { AGENT_BIN, REPO_ROOT } from "../../support/e2e/repoPaths.js";
import { ipledger, startOperatorAgent, type OperatorAgent } from "../../support/operator/operatorAgent.js";
import { allocateOn, expectActionRecorded } from "../../support/operator/operatorChecks.js";

// Every operator command through the BUILT CLI, against the agent's socket (the admin API) and
// directly on the data directory's log (the CLI folds it and appends, as the agent does). The
// agent is the test fixture in-process, so the CLI runs asynchronously.

const POOL = "10.10.0.0-24";
const USER = localOperator();
const hasScript = spawnSync("script", ["--version"]).status === 0;

describe("operator commands through the CLI", () => {
  let op: OperatorAgent;
  let socket: string;
  let dataDir: string;
  const viaSocket = () => ["--socket", socket, "--output", "json"];
  const direct = () => ["--data-dir", dataDir, "--output", "json"];

  /** Runs a command that must succeed, waits for the fixture's fold to see its events, and checks the trail. */
  async function acted(args: string[], reason: string): Promise<OperatorResult> {
    const run = await ipledger([...args, "--reason", reason]);
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as OperatorResult;
    await op.agent.runner.waitForCatchUp(5_000);
    await expectActionRecorded(op.agent, result, { user: USER, reason });
    return result;
  }

  beforeAll(async () => {
    requireBuilt("dist/src/cli/bin.js");
    op = await startOperatorAgent({ node: "node-cli" });
    dataDir = op.agent.dataDir;
    socket = join(dataDir, "agent.sock");
    await op.app.listen({ path: socket });
    for (const name of ["a", "b", "c"]) await addOk(op.app, cniBody({ pod: { name } }));
    await allocateOn(op.agent, owner("gone", { node: "node-gone" }), pool("10.10.0.0/24"));
  });
  afterAll(() => op?.close());

  it("release (socket): reason admin, the local user@host, the text; --dry-run (data dir) prints the events and appends nothing", async () => {
    const before = await op.agent.logSize();
    const dry = await ipledger(["release", "10.10.0.3", "--reason", "look first", "--dry-run", "--data-dir", dataDir]);
    expect(dry.status, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toEqual([
      expect.objectContaining({
        type: "AddressReleased",
        actor: expect.objectContaining({ component: "cli", user: USER }),
        data: expect.objectContaining({ ip: "10.10.0.3", reason: "admin", note: "look first" }),
      }),
    ]);
    expect(await op.agent.logSize()).toBe(before);

    const result = await acted(["release", "10.10.0.3", ...viaSocket()], "pod stuck");
    expect(result.actor).toEqual({ node: "node-cli", component: "agent", user: USER });
    expect(op.agent.queries.history({ ip: "10.10.0.3" }).at(-1)).toMatchObject({ podName: "c", endReason: "admin" });
  });

  it("given --socket with --kafka, release exits 2 naming both (the one read-source check) and the log does not move", async () => {
    const before = await op.agent.logSize();
    const run = await ipledger(["release", "10.10.0.2", "--reason", "x", "--socket", socket, "--kafka", "127.0.0.1:1"]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/pass either --socket \(ask an agent\) or --kafka \(read the log\), not both/);
    expect(await op.agent.logSize()).toBe(before);
  });

  it("reserve: refused on a held address without --force (exit 1, says --force); --force on the data dir reserves it", async () => {
    const refused = await ipledger(["reserve", "10.10.0.1", "--reason", "router", ...viaSocket()]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/10\.10\.0\.1 includes 1 held address.*pod ns\/a.*pass --force/);
    const forced = await acted(["reserve", "10.10.0.1", "--force", "--pool", POOL, ...direct()], "router");
    expect(forced.actor.component).toBe("cli");
    expect(forced.notes[0]).toMatch(/keeps it until it is released/);
  });

  it("unreserve (socket) lifts it", async () => {
    const result = await acted(["unreserve", "10.10.0.1/32", ...viaSocket()], "router moved");
    expect(result.events[0]).toMatchObject({ type: "ReservationLifted", data: { target: "10.10.0.1" } });
  });

  it("drain-node (data dir) releases what the gone node allocated", async () => {
    const result = await acted(["drain-node", "node-gone", ...direct()], "node lost for good");
    expect(result.events.map((event) => (event.data as { owner: { podName: string } }).owner.podName)).toEqual([
      "gone",
    ]);
  });

  it("reset-pool: refused without --yes and without a terminal; on a terminal it shows the count and asks", async () => {
    const before = await op.agent.logSize();
    const refused = await ipledger(["reset-pool", POOL, "--reason", "recreate", "--socket", socket]);
    expect(refused.status).toBe(2);
    expect(refused.stdout).toMatch(/will release 2 address\(es\)[\s\S]*10\.10\.0\.1 +ns\/a[\s\S]*10\.10\.0\.2 +ns\/b/);
    expect(refused.stderr).toMatch(/no terminal is attached to confirm; pass --yes/);
    if (hasScript) {
      const asked = await onTerminal(["reset-pool", POOL, "--reason", "recreate", "--socket", socket], "n");
      expect(asked.output).toMatch(/Release these 2 address\(es\) of pool 10\.10\.0\.0-24\? \[y\/N\]/);
      expect(asked.output).toMatch(/not confirmed; nothing appended/);
    }
    expect(await op.agent.logSize()).toBe(before);
  });

  it("reset-pool --yes releases each address (admin-reset); verify and history agree", async () => {
    const result = await acted(["reset-pool", POOL, "--yes", ...viaSocket()], "recreate");
    expect(
      result.events.map((event) => [(event.data as { ip: string }).ip, (event.data as { reason: string }).reason]),
    ).toEqual([
      ["10.10.0.1", "admin-reset"],
      ["10.10.0.2", "admin-reset"],
    ]);
    const [verify, history] = await Promise.all([
      ipledger(["verify", "--data-dir", dataDir]),
      ipledger(["history", "--ip", "10.10.0.1", "--data-dir", dataDir, "--output", "json"]),
    ]);
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^ok: .*projection equals a replay/);
    // `history` shows who released it and why (issue 6: `{holders: [...]}` with `closedBy` and `endNote`).
    const parsed = JSON.parse(history.stdout) as { holders?: unknown[] } | unknown[];
    const holders = (Array.isArray(parsed) ? parsed : parsed.holders) as Record<string, unknown>[];
    expect(holders.at(-1)).toMatchObject({
      podName: "a",
      endReason: "admin-reset",
      endNote: "recreate",
      closedBy: { node: "node-cli", component: "agent", user: USER },
    });
  });
});

/** Runs the built CLI on a pseudo-terminal (util-linux `script`), typing `answer` once it asks. */
function onTerminal(args: readonly string[], answer: string): Promise<{ status: number | null; output: string }> {
  const command = [process.execPath, AGENT_BIN, ...args].map((part) => `'${part.replaceAll("'", "'\\''")}'`).join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qec", command, "/dev/null"], { cwd: REPO_ROOT, stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    let answered = false;
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (!answered && output.includes("[y/N]")) {
        answered = true;
        child.stdin.write(`${answer}\n`);
      }
    });
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}
