import { rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startAgent, type Agent } from "../../../src/agent.js";
import { httpJson } from "../../support/agent/agentCalls.js";
import { freshDir, writeTokenFile } from "../../support/agent/agentFiles.js";
import { cniBody } from "../../support/agent/cniBodies.js";
import { eventually } from "../../support/agent/eventually.js";

// Issue 11, defect 7: idle unauthenticated TCP connections held for ever exhausted the agent's
// file descriptors and broke ADDs on the unix socket. Real sockets on loopback.

let dir: string;
let agent: Agent | undefined;
const sockets: Socket[] = [];

beforeEach(() => {
  dir = freshDir("ipledger-tcp-");
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await agent?.close();
  agent = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** Opens `count` TCP connections that never send a byte; counts those the server closed. */
async function openIdle(address: string, count: number): Promise<{ closed: () => number }> {
  const { hostname, port } = new URL(address);
  let closed = 0;
  await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<void>((resolve) => {
          const socket = connect({ host: hostname, port: Number(port) });
          sockets.push(socket);
          socket.on("connect", () => resolve());
          socket.on("error", () => resolve());
          socket.on("close", () => (closed += 1));
        }),
    ),
  );
  return { closed: () => closed };
}

describe("TCP listener limits", () => {
  it("caps connections and the unix socket keeps serving ADDs meanwhile", async () => {
    agent = await startAgent({
      dataDir: join(dir, "data"),
      socket: join(dir, "agent.sock"),
      node: "node-tcp",
      quiet: true,
      listen: "127.0.0.1:0",
      tokenFile: writeTokenFile(dir),
      tcpLimits: { maxConnections: 20, idleTimeoutMs: 600_000 },
    });
    // Given 300 idle connections, far over the cap of 20
    const idle = await openIdle(agent.tcpAddress as string, 300);
    // Then all but 20 are closed by the server at once (not after a timeout)
    await eventually(
      async () => idle.closed(),
      (closed) => closed >= 280,
      15_000,
      "connections over the cap being closed",
    );
    expect(idle.closed()).toBe(280);
    // and the unix socket still serves an ADD
    const added = await httpJson({ socketPath: agent.socketPath }, "POST", "/v1/cni/add", {
      body: cniBody({ pod: { name: "fd-pod" } }),
    });
    expect(added.status, JSON.stringify(added.body)).toBe(200);
  });

  it("closes connections that stay idle past the idle timeout", async () => {
    agent = await startAgent({
      dataDir: join(dir, "data"),
      socket: join(dir, "agent.sock"),
      node: "node-tcp",
      quiet: true,
      listen: "127.0.0.1:0",
      tokenFile: writeTokenFile(dir),
      tcpLimits: { idleTimeoutMs: 300 },
    });
    const idle = await openIdle(agent.tcpAddress as string, 50);
    await eventually(
      async () => idle.closed(),
      (closed) => closed === 50,
      15_000,
      "idle connections being closed",
    );
    // and a client that does talk is still served
    expect((await httpJson({ url: agent.tcpAddress as string }, "GET", "/healthz")).status).toBe(200);
  });
});
