// POST /v1/cni/exec on the agent's real HTTP app (socket auth, via inject): the route the pipes call.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_STDIN_BYTES } from "../../../../src/cni/cniExec.js";
import { startTestAgent, type TestAgent } from "../../../support/agent/testAgent.js";
import { cniEnv, networkConfig } from "./execHarness.js";

let agent: TestAgent;
beforeAll(async () => {
  agent = await startTestAgent({ node: "exec-route" });
});
afterAll(async () => {
  await agent?.close();
});

function call(stdin: Buffer | string, env: Record<string, string | undefined> = cniEnv()): Record<string, unknown> {
  return { command: env["CNI_COMMAND"] ?? "", env, stdin: Buffer.from(stdin).toString("base64") };
}

describe("POST /v1/cni/exec", () => {
  it("answers a CNI call with HTTP 200 and {exitCode, stdout, stderr}", async () => {
    const reply = await agent.app.inject({
      method: "POST",
      url: "/v1/cni/exec",
      payload: call(JSON.stringify(networkConfig()), cniEnv({ CNI_CONTAINERID: "route-1" })),
    });
    expect(reply.statusCode).toBe(200);
    const body = reply.json<{ exitCode: number; stdout: string; stderr: string }>();
    expect(body).toMatchObject({ exitCode: 0, stderr: "" });
    expect(JSON.parse(body.stdout)).toMatchObject({
      cniVersion: "1.0.0",
      ips: [{ address: expect.stringMatching(/^10\.99\.0\./) }],
    });
  });

  it("times each call under its verb's label, as the per-verb routes are (ADD latency stays visible)", async () => {
    await agent.app.inject({
      method: "POST",
      url: "/v1/cni/exec",
      payload: call(JSON.stringify(networkConfig()), cniEnv({ CNI_CONTAINERID: "route-metrics" })),
    });
    const metrics = await agent.app.inject({ method: "GET", url: "/metrics" });
    expect(metrics.body).toMatch(
      /ipledger_request_duration_seconds_count\{route="\/v1\/cni\/add",status="200"\} [1-9]/,
    );
  });

  it("takes stdin one byte over 1 MiB (base64 in the body) and answers code 7, not HTTP 413", async () => {
    const before = await agent.logSize();
    const reply = await agent.app.inject({
      method: "POST",
      url: "/v1/cni/exec",
      payload: call(Buffer.alloc(MAX_STDIN_BYTES + 1, 0x20)),
    });
    expect(reply.statusCode).toBe(200);
    expect(JSON.parse(reply.json<{ stdout: string }>().stdout)).toMatchObject({ code: 7 });
    expect(await agent.logSize()).toBe(before);
  });

  it.each([
    ["env values that are not strings", { command: "ADD", env: { CNI_COMMAND: 1 }, stdin: "" }],
    ["a stdin that is not a string", { command: "ADD", env: {}, stdin: 5 }],
  ])("refuses %s with a CNI error naming the field, and changes nothing", async (_name, payload) => {
    const before = await agent.logSize();
    const reply = await agent.app.inject({ method: "POST", url: "/v1/cni/exec", payload });
    expect(reply.statusCode).toBe(400);
    expect(reply.json()).toMatchObject({ code: 7, details: expect.stringContaining("request field") });
    expect(await agent.logSize()).toBe(before);
  });
});
