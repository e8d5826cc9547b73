// The TypeScript pipe (plugin/main.ts): what it sends to the agent and how it prints the answer.
// The agent is replaced through the injected `request` transport, the seam the design asks for;
// both pipes against the real agent and against stand-in sockets are in test/e2e/pipeConformance.
import { describe, expect, it } from "vitest";
import { SUPPORTED_VERSIONS } from "../../../plugin/cniVersions.js";
import { MAX_STDIN_BYTES } from "../../../plugin/stdinReader.js";
import { answer, cniEnv, failingAgent, networkConfig, printed, run, sent } from "./pluginHarness.js";

describe("the request", () => {
  it("POSTs the command, the CNI_* and IPLEDGER_* variables and the raw stdin to /v1/cni/exec", async () => {
    const stdin = JSON.stringify(networkConfig({ runtimeConfig: { ips: ["10.99.0.9/24"] } }));
    const result = await run({
      env: { ...cniEnv(), IPLEDGER_SOCKET: "/tmp/x.sock", HOME: "/root", PATH: "/bin" },
      stdin,
    });
    expect(result.requests).toMatchObject([
      { method: "POST", path: "/v1/cni/exec", socketPath: "/tmp/x.sock", timeoutMs: 5000 },
    ]);
    const body = sent(result);
    expect(body.command).toBe("ADD");
    expect(body.env).toEqual({ ...cniEnv(), IPLEDGER_SOCKET: "/tmp/x.sock" });
    expect(Buffer.from(body.stdin, "base64").toString("utf8")).toBe(stdin);
    expect(body).not.toHaveProperty("stdinError");
  });

  it("forwards whatever stdin holds, unjudged: not JSON, or over the limit by one byte at most", async () => {
    expect(Buffer.from(sent(await run({ stdin: "{nope" })).stdin, "base64").toString()).toBe("{nope");
    const huge = await run({ stdin: "x".repeat(MAX_STDIN_BYTES + 4096) });
    expect(Buffer.from(sent(huge).stdin, "base64").length).toBe(MAX_STDIN_BYTES + 1);
  });

  it("forwards a missing CNI_COMMAND as an empty command, for the agent to name", async () => {
    expect(sent(await run({ env: cniEnv({ CNI_COMMAND: undefined }) })).command).toBe("");
  });

  it("stops reading an endless stdin just past the limit, and reports a read error", async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      for (;;) {
        pulled++;
        yield new Uint8Array(64 * 1024);
      }
    }
    await run({ stdin: endless() });
    expect(pulled).toBe(MAX_STDIN_BYTES / (64 * 1024) + 1);
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield Buffer.from("{");
      throw new Error("EIO: i/o error, read");
    }
    expect(sent(await run({ stdin: broken() }))).toMatchObject({
      stdin: Buffer.from("{").toString("base64"),
      stdinError: "EIO: i/o error, read",
    });
  });

  it.each([
    ["the default", {}, {}, "/run/ipledger/agent.sock"],
    ["IPLEDGER_SOCKET", {}, { IPLEDGER_SOCKET: "/tmp/env.sock" }, "/tmp/env.sock"],
    [
      "ipam.socket over IPLEDGER_SOCKET",
      { socket: "/tmp/config.sock" },
      { IPLEDGER_SOCKET: "/tmp/env.sock" },
      "/tmp/config.sock",
    ],
    [
      "IPLEDGER_SOCKET past an invalid ipam.socket (the agent names it)",
      { socket: 7 },
      { IPLEDGER_SOCKET: "/tmp/env.sock" },
      "/tmp/env.sock",
    ],
  ])("uses %s as the socket", async (_name, ipam, env, socketPath) => {
    const result = await run({
      env: cniEnv(env),
      stdin: JSON.stringify(networkConfig({ ipam: { type: "ipledger", ...ipam } })),
    });
    expect(result.requests[0]?.socketPath).toBe(socketPath);
  });

  it.each([
    ["5 s by default", {}, {}, 5000],
    ["ipam.agent_timeout_seconds", { agent_timeout_seconds: 0.25 }, {}, 250],
    [
      "IPLEDGER_AGENT_TIMEOUT_MS over the config",
      { agent_timeout_seconds: 30 },
      { IPLEDGER_AGENT_TIMEOUT_MS: "40" },
      40,
    ],
    [
      "5 s past invalid values (the agent names them)",
      { agent_timeout_seconds: "5" },
      { IPLEDGER_AGENT_TIMEOUT_MS: "soon" },
      5000,
    ],
    ["at most 2^31-1 ms", { agent_timeout_seconds: 1e12 }, {}, 2 ** 31 - 1],
  ])("waits %s", async (_name, ipam, env, timeoutMs) => {
    const result = await run({
      env: cniEnv(env),
      stdin: JSON.stringify(networkConfig({ ipam: { type: "ipledger", ...ipam } })),
    });
    expect(result.requests[0]?.timeoutMs).toBe(timeoutMs);
  });
});

describe("VERSION, answered by the pipe itself", () => {
  it.each([
    ["stdin's cniVersion", '{"cniVersion":"0.4.0"}', "0.4.0"],
    ["an unsupported cniVersion as given", '{"cniVersion":"9.9.9"}', "9.9.9"],
    ["the newest for empty stdin", "", "1.1.0"],
    ["the newest for stdin that is not JSON", "{nope", "1.1.0"],
    ["the newest for a cniVersion that is no string", '{"cniVersion":1}', "1.1.0"],
  ])("echoes %s", async (_name, stdin, cniVersion) => {
    const result = await run({ env: { CNI_COMMAND: "VERSION" }, stdin });
    expect(result).toMatchObject({ code: 0, stderr: "", requests: [] });
    expect(result.stdout).toBe(`${JSON.stringify({ cniVersion, supportedVersions: SUPPORTED_VERSIONS })}\n`);
  });
});

describe("the agent's answer", () => {
  it("prints stdout and stderr as given and exits with the agent's code", async () => {
    const result = await run({
      request: async () => answer(200, { exitCode: 1, stdout: '{"code":7}\n', stderr: "a log line\n" }),
    });
    expect(result).toMatchObject({ code: 1, stdout: '{"code":7}\n', stderr: "a log line\n" });
  });

  it.each([
    ["HTTP 404 from an older agent", 404, { statusCode: 404, error: "Not Found" }],
    ["HTTP 200 with HTML", 200, "<html>oops</html>"],
    ["HTTP 200 without exitCode", 200, { stdout: "" }],
    ["HTTP 200 with exitCode 256", 200, { exitCode: 256, stdout: "" }],
    ["HTTP 200 with stdout that is no string", 200, { exitCode: 0, stdout: 5 }],
    ["HTTP 200 with a JSON array", 200, "[]"],
  ])("%s is code 11 naming the status, and prints nothing of it", async (_name, status, body) => {
    const result = await run({ request: async () => answer(status, body) });
    expect(result.code).toBe(1);
    expect(printed(result)).toMatchObject({
      cniVersion: "1.0.0",
      code: 11,
      msg: expect.stringContaining(`HTTP ${status}`),
    });
    expect(result.stdout.split("\n")).toHaveLength(2);
  });
});

describe("an unreachable agent", () => {
  it.each([
    ["ENOENT", "no socket exists at that path"],
    ["ECONNREFUSED", "nothing is listening on the socket"],
    ["EACCES", "permission denied (the agent's socket is root-only)"],
    ["ENOTSOCK", "the path is not a socket"],
  ])("%s is code 11 naming the socket, the reason and what to do", async (code, reason) => {
    const config = networkConfig({ ipam: { type: "ipledger", socket: "/run/elsewhere/agent.sock" } });
    const result = await run({ stdin: JSON.stringify(config), request: failingAgent(code) });
    expect(result.code).toBe(1);
    expect(printed(result)).toEqual({
      cniVersion: "1.0.0",
      code: 11,
      msg: `cannot reach the ipledger agent at /run/elsewhere/agent.sock: ${reason}; start the agent (ipledger agent) or fix ipam.socket`,
      details: `${code}: connect ${code} /run/elsewhere/agent.sock`,
    });
  });

  it("a deadline is code 11 naming it; a cut answer is code 11 saying so", async () => {
    const timedOut = await run({
      env: cniEnv({ IPLEDGER_AGENT_TIMEOUT_MS: "40" }),
      request: failingAgent("ETIMEDOUT", "read"),
    });
    expect(printed(timedOut)).toMatchObject({
      code: 11,
      msg: expect.stringContaining("no answer within 40 ms"),
      details: "ETIMEDOUT: no complete answer within 40 ms",
    });
    const cut = await run({ request: failingAgent("ECONNRESET", "read") });
    expect(printed(cut)).toMatchObject({
      code: 11,
      msg: expect.stringContaining("closed before the answer was complete"),
    });
  });

  it("speaks the newest version when stdin's is unknown, and DEL gets code 11 too", async () => {
    const result = await run({
      env: cniEnv({ CNI_COMMAND: "DEL" }),
      stdin: JSON.stringify(networkConfig({ cniVersion: "0.1.0" })),
      request: failingAgent("ENOENT"),
    });
    expect(printed(result)).toMatchObject({ cniVersion: "1.1.0", code: 11 });
  });

  it("logs one JSON line on stderr without the configuration or CNI_ARGS", async () => {
    const config = networkConfig({ ipam: { type: "ipledger", kubeconfig_token: "s3cret" } });
    const result = await run({ stdin: JSON.stringify(config), request: failingAgent("ENOENT") });
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({
      level: "error",
      component: "ipledger-cni",
      verb: "ADD",
      containerId: "c0ffee",
      ifName: "net1",
      code: 11,
    });
    expect(result.stderr).not.toContain("s3cret");
    expect(result.stderr).not.toContain("K8S_POD_NAME");
  });
});
