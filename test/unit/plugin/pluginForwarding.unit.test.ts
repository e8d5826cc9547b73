// What runPlugin sends to the agent and how it prints the answer. The agent is replaced through
// the injected `request` transport, the seam the design asks for; the real agent is tested in
// test/e2e, and the real node:http transport in agentClient.unit.test.ts.
import { describe, expect, it } from "vitest";
import { answer, cniEnv, failingAgent, fakeAgent, networkConfig, printed, run } from "./pluginHarness.js";

const addResult = {
  cniVersion: "1.0.0",
  ips: [{ address: "10.99.0.2/24", gateway: "10.99.0.1" }],
  routes: [{ dst: "0.0.0.0/0" }],
};

describe("the request", () => {
  it("POSTs the whole config, the attachment, CNI_ARGS and runtimeConfig to /v1/cni/<verb>", async () => {
    const config = networkConfig({ runtimeConfig: { ips: ["10.99.0.9/24"] }, prevResult: { ips: [] } });
    const result = await run({ stdin: JSON.stringify(config) });
    const [request] = result.requests;
    expect(request).toMatchObject({ method: "POST", path: "/v1/cni/add", socketPath: "/run/ipledger/agent.sock", timeoutMs: 5000 });
    expect(JSON.parse(request?.body ?? "")).toEqual({
      cniVersion: "1.0.0",
      config,
      containerId: "c0ffee",
      ifName: "net1",
      netns: "/run/netns/unit",
      args: "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=p1",
      runtimeConfig: { ips: ["10.99.0.9/24"] },
    });
  });

  it.each(["ADD", "DEL", "CHECK", "GC", "STATUS"])("%s goes to /v1/cni/%s in lower case", async (verb) => {
    const result = await run({ env: cniEnv({ CNI_COMMAND: verb }), stdin: JSON.stringify(networkConfig({ cniVersion: "1.1.0" })) });
    expect(result.requests.map((r) => r.path)).toEqual([`/v1/cni/${verb.toLowerCase()}`]);
  });

  it("sends runtimeConfig {} and empty netns/args when they are absent", async () => {
    const env = cniEnv({ CNI_COMMAND: "DEL", CNI_NETNS: undefined, CNI_ARGS: undefined });
    const result = await run({ env });
    expect(JSON.parse(result.requests[0]?.body ?? "")).toMatchObject({ netns: "", args: "", runtimeConfig: {} });
  });

  it.each([
    ["the default", {}, {}, "/run/ipledger/agent.sock"],
    ["IPLEDGER_SOCKET", {}, { IPLEDGER_SOCKET: "/tmp/env.sock" }, "/tmp/env.sock"],
    ["ipam.socket over IPLEDGER_SOCKET", { socket: "/tmp/config.sock" }, { IPLEDGER_SOCKET: "/tmp/env.sock" }, "/tmp/config.sock"],
  ])("uses %s as the socket", async (_name, ipam, env, socketPath) => {
    const config = networkConfig({ ipam: { type: "ipledger", range: "10.99.0.0/24", ...ipam } });
    const result = await run({ env: cniEnv(env), stdin: JSON.stringify(config) });
    expect(result.requests[0]?.socketPath).toBe(socketPath);
  });

  it.each([
    ["5 s by default", {}, {}, 5000],
    ["ipam.agent_timeout_seconds", { agent_timeout_seconds: 0.25 }, {}, 250],
    ["IPLEDGER_AGENT_TIMEOUT_MS over the config", { agent_timeout_seconds: 30 }, { IPLEDGER_AGENT_TIMEOUT_MS: "40" }, 40],
  ])("times out after %s", async (_name, ipam, env, timeoutMs) => {
    const config = networkConfig({ ipam: { type: "ipledger", ...ipam } });
    const result = await run({ env: cniEnv(env), stdin: JSON.stringify(config) });
    expect(result.requests[0]?.timeoutMs).toBe(timeoutMs);
  });

  it.each([
    ["ipam.socket", { socket: 7 }, {}, 7],
    ["ipam.socket", { socket: "" }, {}, 7],
    ["ipam.agent_timeout_seconds", { agent_timeout_seconds: "5" }, {}, 7],
    ["ipam.agent_timeout_seconds", { agent_timeout_seconds: 0 }, {}, 7],
    ["IPLEDGER_AGENT_TIMEOUT_MS", {}, { IPLEDGER_AGENT_TIMEOUT_MS: "soon" }, 4],
  ])("an invalid %s is code %s naming it", async (name, ipam, env, code) => {
    const config = networkConfig({ ipam: { type: "ipledger", ...ipam } });
    const result = await run({ env: cniEnv(env), stdin: JSON.stringify(config) });
    expect(printed(result)).toMatchObject({ code, msg: expect.stringContaining(name) });
    expect(result.requests).toHaveLength(0);
  });
});

describe("a successful answer", () => {
  it("ADD prints the agent's result and exits 0", async () => {
    const agent = fakeAgent(() => answer(200, addResult));
    const result = await run({ request: agent.transport });
    expect(result.code).toBe(0);
    expect(printed(result)).toEqual(addResult);
    expect(result.stderr).toBe("");
  });

  it("CHECK prints a non-empty answer and nothing for {}", async () => {
    const env = cniEnv({ CNI_COMMAND: "CHECK" });
    const withResult = await run({ env, request: fakeAgent(() => answer(200, addResult)).transport });
    expect(printed(withResult)).toEqual(addResult);
    const empty = await run({ env, request: fakeAgent(() => answer(200, {})).transport });
    expect(empty).toMatchObject({ code: 0, stdout: "" });
  });

  it.each(["DEL", "GC", "STATUS"])("%s prints nothing and exits 0", async (verb) => {
    const stdin = JSON.stringify(networkConfig({ cniVersion: "1.1.0" }));
    const result = await run({ env: cniEnv({ CNI_COMMAND: verb }), stdin, request: fakeAgent(() => answer(200, {})).transport });
    expect(result).toMatchObject({ code: 0, stdout: "", stderr: "" });
  });
});

describe("an error answer", () => {
  it.each([400, 409, 500, 503])("HTTP %s with a CNI error prints it unchanged and exits 1", async (status) => {
    const error = { cniVersion: "1.0.0", code: 7, msg: "range_end 10.0.0.300 is not an IPv4 address (in ipam.range_end)", details: "" };
    const result = await run({ request: fakeAgent(() => answer(status, error)).transport });
    expect(result.code).toBe(1);
    expect(printed(result)).toEqual(error);
    expect(JSON.parse(result.stderr)).toMatchObject({ level: "error", verb: "ADD", code: 7 });
  });

  it("fills in cniVersion and details when the agent leaves them out", async () => {
    const result = await run({ request: fakeAgent(() => answer(503, { code: 11, msg: "log unavailable" })).transport });
    expect(printed(result)).toEqual({ cniVersion: "1.0.0", code: 11, msg: "log unavailable", details: "" });
  });

  it.each([
    ["HTTP 200 with HTML", 200, "<html>oops</html>"],
    ["HTTP 502 with text", 502, "Bad Gateway"],
    ["HTTP 500 with JSON that is no CNI error", 500, '{"error":"boom"}'],
    ["HTTP 200 with a JSON array", 200, "[]"],
    ["HTTP 200 with an empty body", 200, ""],
  ])("%s is internal error 999 with the status and body in the message", async (_name, status, body) => {
    const result = await run({ request: fakeAgent(() => answer(status, body)).transport });
    expect(result.code).toBe(1);
    const error = printed(result);
    expect(error).toMatchObject({ code: 999, msg: expect.stringContaining(`HTTP ${status}`) });
    expect(error["details"]).toContain(JSON.stringify(body).slice(1, -1));
  });
});

describe("an unreachable agent", () => {
  it.each(["ENOENT", "ECONNREFUSED", "EACCES", "ETIMEDOUT"])("%s is code 11 naming the socket and what to do", async (code) => {
    const config = networkConfig({ ipam: { type: "ipledger", socket: "/run/elsewhere/agent.sock" } });
    const result = await run({ stdin: JSON.stringify(config), request: failingAgent(code) });
    expect(result.code).toBe(1);
    const error = printed(result);
    expect(error).toMatchObject({ cniVersion: "1.0.0", code: 11 });
    expect(error["msg"]).toContain("/run/elsewhere/agent.sock");
    expect(error["msg"]).toContain("ipledger agent");
    expect(error["msg"]).toContain("ipam.socket");
    expect(error["details"]).toContain(code);
  });

  it("DEL is code 11 too, so the runtime retries it", async () => {
    const result = await run({ env: cniEnv({ CNI_COMMAND: "DEL" }), request: failingAgent("ECONNREFUSED") });
    expect(printed(result)).toMatchObject({ code: 11 });
  });

  it("a transport that throws synchronously is still code 11", async () => {
    const result = await run({
      request: () => {
        throw new Error("socket path too long");
      },
    });
    expect(printed(result)).toMatchObject({ code: 11, details: "socket path too long" });
  });
});

describe("logging", () => {
  it("writes one JSON line per failure to stderr, without the configuration", async () => {
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

  it("does not quote a malformed stdin in the log", async () => {
    const result = await run({ stdin: '{"password": "s3cret", oops' });
    expect(printed(result)).toMatchObject({ code: 6 });
    expect(result.stderr).not.toContain("s3cret");
  });

  it("prints exactly one document on stdout for every outcome", async () => {
    const result = await run({ request: failingAgent("ENOENT") });
    expect(result.stdout.trimEnd().split("\n")).toHaveLength(1);
  });
});
