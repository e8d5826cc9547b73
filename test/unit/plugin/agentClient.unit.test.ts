// The node:http transport against a real unix-socket server that stands in for the agent. The
// server exists only to test the transport (deadline, missing socket, refused connection, odd
// bodies); the real agent is tested in test/e2e, both pipes over it in test/e2e/pipeConformance.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { requestAgent } from "../../../plugin/agentClient.js";

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

describe("requestAgent", () => {
  it("sends the JSON body and returns status and body", async () => {
    let received = "";
    const socketPath = await listen((req, res) => {
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (received += chunk));
      req.on("end", () => {
        res
          .writeHead(201, { "content-type": "application/json" })
          .end(`{"seen":"${req.method} ${req.url} ${req.headers["content-type"]}"}`);
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
    await expect(requestAgent({ socketPath, method: "GET", path: "/readyz", timeoutMs: 200 })).rejects.toMatchObject({
      code: "ETIMEDOUT",
    });
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
    await expect(requestAgent({ socketPath, method: "GET", path: "/", timeoutMs: 5000 })).rejects.toThrow(
      /larger than/,
    );
  });
});
