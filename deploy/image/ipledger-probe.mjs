#!/usr/bin/env node
// ipledger-probe [PATH]: exits 0 when the agent answers GET PATH (default /readyz) with 200 on
// its unix socket, else 1 with the reason on stderr. The agent DaemonSet's probes run it: the
// API is on a root-only socket, and the TCP listener is optional. The socket is
// $IPLEDGER_SOCKET, else /run/ipledger/agent.sock; the deadline $IPLEDGER_PROBE_TIMEOUT_MS (3000).
import { Buffer } from "node:buffer";
import { request } from "node:http";
import process from "node:process";

const path = process.argv[2] ?? "/readyz";
const socketPath = process.env.IPLEDGER_SOCKET || "/run/ipledger/agent.sock";
const timeoutMs = Number(process.env.IPLEDGER_PROBE_TIMEOUT_MS || 3000);

function fail(reason) {
  process.stderr.write(`ipledger-probe: GET ${path} on ${socketPath}: ${reason}\n`);
  process.exit(1);
}

const outgoing = request({ socketPath, path, method: "GET", timeout: timeoutMs }, (incoming) => {
  const chunks = [];
  incoming.on("data", (chunk) => chunks.push(chunk));
  incoming.on("end", () => {
    if (incoming.statusCode === 200) process.exit(0);
    fail(`HTTP ${incoming.statusCode} ${Buffer.concat(chunks).toString("utf8").slice(0, 300)}`);
  });
});
outgoing.on("timeout", () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
outgoing.on("error", (error) => fail(error.message));
outgoing.end();
