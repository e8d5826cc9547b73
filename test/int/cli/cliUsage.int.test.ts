import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMAND_NAMES } from "../../../src/cli/program.js";
import { addOk } from "../../support/agent/agentCalls.js";
import { cniBody } from "../../support/agent/cniBodies.js";
import { ipledger, ipledgerHere, runBuilt } from "../../support/audit/auditCli.js";
import { requireBuilt } from "../../support/builtDist.js";
import { REPO_ROOT } from "../../support/e2e/repoPaths.js";
import { startOperatorAgent, type OperatorAgent } from "../../support/operator/operatorAgent.js";

// Issue 11, "what users hit": the command line's own behaviour. A few runs go through the built
// binary (the process boundary: exit codes, --version); the rest run the same code in-process.

const HINT = (command: string) => `(run 'ipledger ${command} --help' for the options and an example)`;

describe("the ipledger command line", () => {
  let op: OperatorAgent;
  let dataDir: string;

  beforeAll(async () => {
    requireBuilt("dist/src/cli/bin.js");
    op = await startOperatorAgent({ node: "node-cli-usage" });
    dataDir = op.agent.dataDir;
    for (const name of ["a", "b"])
      await addOk(op.app, cniBody({ pod: { name }, ipam: { range: "10.71.0.0/28", exclude: ["10.71.0.8/30"] } }));
  });
  afterAll(() => op?.close());

  it("ipledger --version prints the package's version and exits 0", async () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
    const run = await ipledger(["--version"]);
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(version);
  });

  it("given --output yaml, a query exits 2 (usage) with one line and a hint, not 70", async () => {
    const run = await ipledger(["pools", "--output", "yaml", "--data-dir", dataDir]);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(`ipledger: --output must be table or json, not "yaml"\n${HINT("pools")}\n`);
  });

  it("given an unknown option or command, it prints the error and a hint instead of the whole help", async () => {
    const option = await ipledgerHere(["who", "10.71.0.1", "--bogus", "--data-dir", dataDir]);
    expect(option.status).toBe(2);
    expect(option.stderr).toBe(`error: unknown option '--bogus'\n${HINT("who")}\n`);
    const command = await ipledgerHere(["whoo"]);
    expect(command.status).toBe(2);
    expect(command.stderr.trim().split("\n").length).toBeLessThanOrEqual(3);
    expect(command.stderr).toContain("(run 'ipledger --help' for the options and an example)");
  });

  it("given a mutating command with a bad --output, it exits 2 and the log's end offset does not move", async () => {
    const before = await op.agent.logSize();
    const run = await ipledgerHere([
      "release",
      "10.71.0.1",
      "--reason",
      "x",
      "--output",
      "yaml",
      "--data-dir",
      dataDir,
    ]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(HINT("release"));
    expect(await op.agent.logSize()).toBe(before);
  });

  it.each(COMMAND_NAMES.map((name) => [name]))("ipledger %s --help ends with an example", async (name) => {
    const run = await ipledgerHere([name, "--help"]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`\\nExamples?:\\n(  \\$ ipledger ${name}( .+)?\\n)+$`));
  });

  it("allowlist takes --output like every other command, and still --format; two different values are a usage error", async () => {
    // One at a time: in-process runs capture the one process.stdout.
    const output = await ipledgerHere([
      "allowlist",
      "--pool",
      "10.71.0.0-28",
      "--output",
      "cidrs",
      "--data-dir",
      dataDir,
    ]);
    const format = await ipledgerHere([
      "allowlist",
      "--pool",
      "10.71.0.0-28",
      "--format",
      "cidrs",
      "--data-dir",
      dataDir,
    ]);
    const both = await ipledgerHere([
      "allowlist",
      "--pool",
      "10.71.0.0-28",
      "--output",
      "json",
      "--format",
      "cidrs",
      "--data-dir",
      dataDir,
    ]);
    expect(output).toMatchObject({ status: 0, stdout: "10.71.0.1/32\n10.71.0.2/32\n" });
    expect(format.stdout).toBe(output.stdout);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/--format is another name for --output/);
  });

  it("pools shows capacity, excluded, reserved and free beside allocated", async () => {
    const run = await ipledgerHere(["pools", "--data-dir", dataDir, "--output", "json"]);
    expect(JSON.parse(run.stdout)).toEqual([
      expect.objectContaining({ pool: "10.71.0.0-28", capacity: 14, excluded: 4, reserved: 0, allocated: 2, free: 8 }),
    ]);
    const table = await ipledgerHere(["pools", "--data-dir", dataDir]);
    expect(table.stdout).toMatch(/CAPACITY\s+EXCLUDED\s+RESERVED\s+ALLOCATED\s+FREE/);
    expect(table.stdout).toMatch(/10\.71\.0\.0-28 .* 14 +4 +0 +2 +8 /);
  });
});

describe("npm run demo", () => {
  let home: string;
  let agent: ReturnType<typeof spawn> | undefined;

  beforeAll(async () => {
    requireBuilt("dist/src/cli/demo.js");
    home = mkdtempSync(join(tmpdir(), "ipledger-demo-test-"));
    mkdirSync(join(home, ".ipledger"));
    // The demo looks for `npm start`'s agent at ./.ipledger/agent.sock: give it one, as a user would.
    agent = spawn(
      process.execPath,
      [
        join(REPO_ROOT, "dist/src/cli/bin.js"),
        "agent",
        "--data-dir",
        join(home, ".ipledger"),
        "--socket",
        join(home, ".ipledger/agent.sock"),
        "--node",
        "demo-test",
      ],
      { stdio: "ignore" },
    );
    for (let tries = 0; tries < 300; tries += 1) {
      const probe = await ipledger(["pools", "--socket", join(home, ".ipledger/agent.sock")]);
      if (probe.status === 0) return;
      await new Promise((done) => setTimeout(done, 100));
    }
    throw new Error("the demo's agent did not start");
  }, 60_000);
  afterAll(async () => {
    agent?.kill("SIGTERM");
    await new Promise((done) => (agent?.exitCode !== null ? done(undefined) : agent.once("exit", done)));
    rmSync(home, { recursive: true, force: true });
  });

  const demo = () => runBuilt("dist/src/cli/demo.js", [], { cwd: home });
  const story = (stdout: string): string[] => stdout.split("\n").filter((line) => line.includes("→"));

  it("given the same running agent, a second run tells the same story as the first", async () => {
    const first = await demo();
    expect(first.status, first.stderr).toBe(0);
    const second = await demo();
    expect(second.status, second.stderr).toBe(0);
    expect(story(first.stdout)).toHaveLength(8);
    expect(story(second.stdout)).toEqual(story(first.stdout));
    expect(story(first.stdout)[5]).toMatch(
      /web-1 is re-created: sticky gives its own address back +→ 10\.77\.0\.3\/24/,
    );
  }, 120_000);
});
