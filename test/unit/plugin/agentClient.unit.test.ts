// The node:http transport against a real unix-socket server that stands in for the agent. The
// server exists only to test the transport (deadline, missing socket, refused connection, odd
// bodies); the real agent is tested in test/e2e.
import { linkSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { requestAgent } from "../../../plugin/agentClient.js";
import { runPlugin } from "../../../plugin/main.js";
import { cniEnv, networkConfig } from "./pluginHarness.js";

let dir: string;
let servers: Server[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ipledger-plugin-"));
  servers = [];
});

afterEach(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  rmSync(dir, { recursive: true, force: true });
});

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const socketPath = join(dir, `agent-${servers.length}.sock`);
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return socketPath;
}

/** Runs the plugin with the real transport; the socket comes from `ipam.socket`. */
async function runAgainst(socketPath: string, env: Record<string, string> = {}) {
  let stdout = "";
  const started = performance.now();
  const code = await runPlugin({
    env: cniEnv(env),
    stdin: Readable.from([JSON.stringify(networkConfig({ ipam: { type: "ipledger", socket: socketPath } }))]),
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: () => true },
    request: requestAgent,
  });
  return { code, output: JSON.parse(stdout || "null") as Record<string, unknown> | null, elapsedMs: performance.now() - started };
}

describe("requestAgent", () => {
  it("sends the JSON body and returns status and body", async () => {
    let received = "";
    const socketPath = await listen((req, res) => {
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (received += chunk));
      req.on("end", () => {
        res.writeHead(201, { "content-type": "application/json" }).end(`{"seen":"${req.method} ${req.url} ${req.headers["content-type"]}"}`);
      });
    });
    const body = JSON.stringify({ hello: "wörld" });
    const answer = await requestAgent({ socketPath, method: "POST", path: "/v1/cni/add", body, timeoutMs: 2000 });
    expect(answer).toEqual({ status: 201, body: '{"seen":"POST /v1/cni/add application/json"}' });
    expect(received).toBe(body);
  });

  it("rejects with ETIMEDOUT at the deadline when the agent never answers", async () => {
    const socketPath = await listen(() => undefined);
    const started = performance.now();
    await expect(requestAgent({ socketPath, method: "GET", path: "/readyz", timeoutMs: 200 })).rejects.toMatchObject({ code: "ETIMEDOUT" });
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it("rejects when the agent hangs up in the middle of its answer", async () => {
    const socketPath = await listen((_req, res) => {
      res.writeHead(200, { "content-length": "100" });
      res.write('{"partial":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    await expect(requestAgent({ socketPath, method: "GET", path: "/", timeoutMs: 2000 })).rejects.toThrow();
  });

  it("rejects an answer larger than 4 MiB", async () => {
    const socketPath = await listen((_req, res) => {
      res.writeHead(200);
      res.end(Buffer.alloc(5 * 1024 * 1024, 0x20));
    });
    await expect(requestAgent({ socketPath, method: "GET", path: "/", timeoutMs: 5000 })).rejects.toThrow(/larger than/);
  });
});

describe("runPlugin over the real transport", () => {
  it("prints the agent's result", async () => {
    const result = { cniVersion: "1.0.0", ips: [{ address: "10.99.0.2/24" }] };
    const socketPath = await listen((_req, res) => res.writeHead(200).end(JSON.stringify(result)));
    expect(await runAgainst(socketPath)).toMatchObject({ code: 0, output: result });
  });

  it("a silent agent is code 11 within the deadline", async () => {
    const socketPath = await listen(() => undefined);
    const outcome = await runAgainst(socketPath, { IPLEDGER_AGENT_TIMEOUT_MS: "300" });
    expect(outcome).toMatchObject({ code: 1, output: { code: 11 } });
    expect(outcome.output?.["msg"]).toContain("300 ms");
    expect(outcome.elapsedMs).toBeGreaterThanOrEqual(250);
    expect(outcome.elapsedMs).toBeLessThan(2000);
  });

  it("a missing socket is code 11 naming the path, at once", async () => {
    const socketPath = join(dir, "missing.sock");
    const outcome = await runAgainst(socketPath);
    expect(outcome).toMatchObject({ code: 1, output: { code: 11, details: expect.stringContaining("ENOENT") } });
    expect(outcome.output?.["msg"]).toContain(socketPath);
    expect(outcome.output?.["msg"]).toContain("ipledger agent");
    expect(outcome.elapsedMs).toBeLessThan(1000);
  });

  it("a stale socket file with nobody listening is code 11 (ECONNREFUSED)", async () => {
    const socketPath = await listen(() => undefined);
    const stale = join(dir, "stale.sock");
    linkSync(socketPath, stale); // a second name for the socket outlives the server that bound it
    const server = servers.pop();
    await new Promise((resolve) => server?.close(resolve));
    const outcome = await runAgainst(stale);
    expect(outcome).toMatchObject({ code: 1, output: { code: 11, details: expect.stringContaining("ECONNREFUSED") } });
  });

  it("a non-JSON answer is internal error 999 with the body in the details", async () => {
    const socketPath = await listen((_req, res) => res.writeHead(502, { "content-type": "text/html" }).end("<h1>Bad Gateway</h1>"));
    const outcome = await runAgainst(socketPath);
    expect(outcome).toMatchObject({ code: 1, output: { code: 999, msg: expect.stringContaining("HTTP 502") } });
    expect(outcome.output?.["details"]).toContain("<h1>Bad Gateway</h1>");
  });
});
