// The checks the agent makes on a raw CNI call (POST /v1/cni/exec) before the ledger: the ones the
// plugin made itself before it became a pipe, with the same codes and messages. Each call runs
// against a real test agent (SQLite log and projection in a temp dir); a refused call must leave
// the log as it was.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SUPPORTED_VERSIONS } from "../../../../plugin/cniVersions.js";
import { MAX_STDIN_BYTES } from "../../../../src/cni/cniExec.js";
import { startTestAgent, type TestAgent } from "../../../support/agent/testAgent.js";
import { cniEnv, exec, networkConfig, printed } from "./execHarness.js";

let agent: TestAgent;
beforeAll(async () => {
  agent = await startTestAgent({ node: "exec-unit" });
});
afterAll(async () => {
  await agent?.close();
});

describe("VERSION", () => {
  it("answers with stdin's cniVersion and the supported versions, without touching the log", async () => {
    const result = await exec(agent, { env: { CNI_COMMAND: "VERSION" }, stdin: '{"cniVersion":"1.0.0"}' });
    expect(result).toMatchObject({ exitCode: 0, stderr: "", appended: 0 });
    expect(printed(result)).toEqual({
      cniVersion: "1.0.0",
      supportedVersions: ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"],
    });
  });

  it.each([
    ["empty stdin", ""],
    ["stdin that is not JSON", "{nope"],
    ["stdin without cniVersion", "{}"],
  ])("answers 1.1.0 for %s", async (_name, stdin) => {
    const result = await exec(agent, { env: { CNI_COMMAND: "VERSION" }, stdin });
    expect(printed(result)).toEqual({ cniVersion: "1.1.0", supportedVersions: [...SUPPORTED_VERSIONS] });
  });
});

describe("CNI_COMMAND", () => {
  it.each([
    ["missing", undefined],
    ["empty", ""],
    ["unknown", "ATTACH"],
    ["lower case", "add"],
  ])("%s CNI_COMMAND is code 4 naming the variable", async (_name, command) => {
    const result = await exec(agent, { env: cniEnv({ CNI_COMMAND: command }) });
    expect(result).toMatchObject({ exitCode: 1, appended: 0 });
    expect(printed(result)).toMatchObject({
      cniVersion: "1.0.0",
      code: 4,
      msg: expect.stringContaining("CNI_COMMAND"),
    });
  });
});

describe("attachment variables", () => {
  it.each(["ADD", "DEL", "CHECK"])("%s without CNI_CONTAINERID and CNI_IFNAME is code 4 naming both", async (verb) => {
    const result = await exec(agent, {
      env: cniEnv({ CNI_COMMAND: verb, CNI_CONTAINERID: undefined, CNI_IFNAME: "" }),
    });
    expect(result).toMatchObject({ exitCode: 1, appended: 0 });
    expect(printed(result)).toMatchObject({ code: 4, msg: expect.stringMatching(/CNI_CONTAINERID, CNI_IFNAME/) });
  });

  it.each(["GC", "STATUS"])("%s needs no attachment", async (verb) => {
    const result = await exec(agent, {
      env: { CNI_COMMAND: verb, CNI_PATH: "/opt/cni/bin" },
      stdin: JSON.stringify(networkConfig({ cniVersion: "1.1.0" })),
    });
    expect(result).toMatchObject({ exitCode: 0, stdout: "" });
  });
});

describe("stdin", () => {
  it("more than 1 MiB is code 7 naming the limit", async () => {
    const result = await exec(agent, { stdin: Buffer.alloc(MAX_STDIN_BYTES + 1, 0x20) });
    expect(result).toMatchObject({ exitCode: 1, appended: 0 });
    expect(printed(result)).toMatchObject({ code: 7, msg: expect.stringContaining(String(MAX_STDIN_BYTES)) });
  });

  it("exactly 1 MiB is accepted", async () => {
    const base = JSON.stringify(networkConfig());
    const result = await exec(agent, {
      env: cniEnv({ CNI_CONTAINERID: "exactly-1mib" }),
      stdin: base + " ".repeat(MAX_STDIN_BYTES - Buffer.byteLength(base)),
    });
    expect(result.exitCode, result.stdout).toBe(0);
    expect(printed(result)).toMatchObject({
      cniVersion: "1.0.0",
      ips: [{ address: expect.stringMatching(/^10\.99\.0\.\d+\/24$/) }],
    });
  });

  it("a read error the pipe reports is code 5 carrying it", async () => {
    const result = await exec(agent, { stdin: "{", stdinError: "EIO: i/o error, read" });
    expect(result).toMatchObject({ exitCode: 1, appended: 0 });
    expect(printed(result)).toMatchObject({ code: 5, msg: expect.stringContaining("EIO") });
  });

  it("malformed JSON is code 6 carrying the parse error, in the newest version", async () => {
    const result = await exec(agent, { stdin: '{"cniVersion": "1.0.0",' });
    expect(result).toMatchObject({ exitCode: 1, appended: 0 });
    expect(printed(result)).toMatchObject({ cniVersion: "1.1.0", code: 6, msg: expect.stringMatching(/JSON/) });
  });

  it.each([
    ["an array", "[]"],
    ["null", "null"],
    ["a number", "42"],
  ])("JSON that is %s is code 6", async (kind, stdin) => {
    const result = await exec(agent, { stdin });
    expect(printed(result)).toMatchObject({ code: 6, msg: expect.stringContaining(kind) });
    expect(result.appended).toBe(0);
  });
});

describe("cniVersion", () => {
  it.each([
    ["0.2.0", "0.2.0"],
    ["2.0.0", "2.0.0"],
    ["a number", 1],
    ["missing", undefined],
  ])("%s is code 1", async (_name, cniVersion) => {
    const result = await exec(agent, { stdin: JSON.stringify(networkConfig({ cniVersion })) });
    expect(result).toMatchObject({ exitCode: 1, appended: 0 });
    expect(printed(result)).toMatchObject({ cniVersion: "1.1.0", code: 1, msg: expect.stringContaining("cniVersion") });
  });

  it.each([
    ["GC", "1.0.0"],
    ["STATUS", "1.0.0"],
    ["GC", "0.4.0"],
    ["CHECK", "0.3.1"],
    ["CHECK", "0.3.0"],
  ])("%s with cniVersion %s is code 1 (the verb is newer)", async (verb, cniVersion) => {
    const result = await exec(agent, {
      env: cniEnv({ CNI_COMMAND: verb }),
      stdin: JSON.stringify(networkConfig({ cniVersion })),
    });
    expect(result).toMatchObject({ exitCode: 1, appended: 0 });
    expect(printed(result)).toMatchObject({ cniVersion, code: 1, msg: expect.stringContaining(verb) });
  });

  it.each([
    ["ADD", "0.3.0"],
    ["DEL", "0.3.1"],
    ["GC", "1.1.0"],
    ["STATUS", "1.1.0"],
  ])("%s with cniVersion %s reaches the ledger", async (verb, cniVersion) => {
    const result = await exec(agent, {
      env: cniEnv({ CNI_COMMAND: verb, CNI_CONTAINERID: `v-${verb}-${cniVersion}` }),
      stdin: JSON.stringify(networkConfig({ cniVersion })),
    });
    expect(result.exitCode, result.stdout).toBe(0);
  });

  it("CHECK at 0.4.0 reaches the ledger, which fails it without a prevResult (105)", async () => {
    const result = await exec(agent, {
      env: cniEnv({ CNI_COMMAND: "CHECK" }),
      stdin: JSON.stringify(networkConfig({ cniVersion: "0.4.0" })),
    });
    expect(printed(result)).toMatchObject({ cniVersion: "0.4.0", code: 105 });
  });
});

describe("the keys only the pipe reads", () => {
  it.each([
    ["ipam.socket", { socket: 7 }, {}, 7],
    ["ipam.socket", { socket: "" }, {}, 7],
    ["ipam.agent_timeout_seconds", { agent_timeout_seconds: "5" }, {}, 7],
    ["ipam.agent_timeout_seconds", { agent_timeout_seconds: 0 }, {}, 7],
    ["IPLEDGER_AGENT_TIMEOUT_MS", {}, { IPLEDGER_AGENT_TIMEOUT_MS: "soon" }, 4],
  ])("an invalid %s is code %s naming it", async (name, ipam, env, code) => {
    const config = networkConfig({ ipam: { type: "ipledger", range: "10.99.0.0/24", ...ipam } });
    const result = await exec(agent, { env: cniEnv(env), stdin: JSON.stringify(config) });
    expect(result).toMatchObject({ exitCode: 1, appended: 0 });
    expect(printed(result)).toMatchObject({ code, msg: expect.stringContaining(name) });
  });
});

describe("the ledger's answers", () => {
  it("ADD prints the result; DEL, GC and STATUS print nothing", async () => {
    const env = cniEnv({ CNI_CONTAINERID: "ledger-answers" });
    const add = await exec(agent, { env });
    expect(add).toMatchObject({ exitCode: 0, stderr: "" });
    expect(add.stdout).toBe(`${JSON.stringify(printed(add))}\n`);
    expect(add.appended).toBeGreaterThan(0);
    const del = await exec(agent, { env: { ...env, CNI_COMMAND: "DEL" } });
    expect(del).toMatchObject({ exitCode: 0, stdout: "", stderr: "" });
  });

  it("an invalid ipam key is the ledger's code 7 with the short message and the key in details", async () => {
    const config = networkConfig({ ipam: { type: "ipledger", range: "10.99.0.0/24", range_end: "10.0.0.300" } });
    const result = await exec(agent, { stdin: JSON.stringify(config) });
    expect(result).toMatchObject({ exitCode: 1, appended: 0 });
    expect(printed(result)).toMatchObject({
      cniVersion: "1.0.0",
      code: 7,
      msg: "Invalid network configuration",
      details: expect.stringContaining("range_end"),
    });
  });

  it("STATUS on an exhausted pool is 50 (plugin not available)", async () => {
    const config = networkConfig({ cniVersion: "1.1.0", ipam: { type: "ipledger", range: "10.98.0.0/30" } });
    // A /30 holds a handful of addresses; ADD until the ledger says the pool is exhausted.
    const pod = (index: number) =>
      cniEnv({ CNI_CONTAINERID: `full-${index}`, CNI_ARGS: `K8S_POD_NAMESPACE=default;K8S_POD_NAME=full-${index}` });
    let full = await exec(agent, { env: pod(0), stdin: JSON.stringify(config) });
    for (let index = 1; full.exitCode === 0 && index < 8; index += 1)
      full = await exec(agent, { env: pod(index), stdin: JSON.stringify(config) });
    expect(printed(full)).toMatchObject({ code: 100 });
    const status = await exec(agent, { env: { CNI_COMMAND: "STATUS" }, stdin: JSON.stringify(config) });
    expect(printed(status)).toMatchObject({ cniVersion: "1.1.0", code: 50 });
  });
});

describe("logging", () => {
  it("gives one JSON line for stderr per failure, without the configuration or CNI_ARGS", async () => {
    const config = networkConfig({ cniVersion: "9.9.9", ipam: { type: "ipledger", kubeconfig_token: "s3cret" } });
    const result = await exec(agent, { stdin: JSON.stringify(config) });
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({
      level: "error",
      component: "ipledger-cni",
      verb: "ADD",
      containerId: "c0ffee",
      ifName: "net1",
      code: 1,
    });
    expect(result.stderr).not.toContain("s3cret");
    expect(result.stderr).not.toContain("K8S_POD_NAME");
  });

  it("does not quote a malformed stdin in the log", async () => {
    const result = await exec(agent, { stdin: '{"password": "s3cret", oops' });
    expect(printed(result)).toMatchObject({ code: 6 });
    expect(result.stderr).not.toContain("s3cret");
  });
});
