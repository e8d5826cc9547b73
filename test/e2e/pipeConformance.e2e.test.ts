// One conformance suite for both CNI executables: the native pipe (dist/ipledger-cni, Go) and the
// node pipe (dist/plugin/bin.js). Every case runs through both against the same real agent
// (started from dist/) and must print the same stdout, byte for byte, with the same exit code:
// VERSION answered locally, every CNI error code, the ledger's results, and code 11 when the
// agent is missing, hung (SIGSTOP) or answers badly. Needs no root: no namespaces are made.
import { chmodSync, linkSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireBuilt } from "../support/builtDist.js";
import { startAgent, type AgentProcess } from "../support/e2e/agentProcess.js";
import { requireNativePipe, runBothPipes, type RawCall, type RawOutcome } from "../support/e2e/pipeRun.js";
import type { PipeKind } from "../support/e2e/repoPaths.js";

requireNativePipe();
requireBuilt("dist/plugin/bin.js");
requireBuilt("dist/src/cli/bin.js");

const MIB = 1024 * 1024;

let dir: string;
let agent: AgentProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ipledger-pipes-"));
  agent = await startAgent({ dataDir: join(dir, "data"), socketPath: join(dir, "agent.sock"), node: "conformance" });
});
afterAll(async () => {
  await agent?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function config(ipam: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    cniVersion: "1.0.0",
    name: "conformance",
    type: "bridge",
    ipam: { type: "ipledger", range: "10.96.0.0/24", ...ipam },
    ...extra,
  };
}

function env(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const all: Record<string, string | undefined> = {
    CNI_COMMAND: "ADD",
    CNI_CONTAINERID: "conf-1",
    CNI_IFNAME: "net1",
    CNI_NETNS: "/run/netns/conformance",
    CNI_ARGS: "IgnoreUnknown=1;K8S_POD_NAMESPACE=conf;K8S_POD_NAME=conf-1",
    CNI_PATH: "/opt/cni/bin",
    IPLEDGER_SOCKET: agent.socketPath,
    ...overrides,
  };
  return Object.fromEntries(Object.entries(all).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** The agent's log position (from /readyz): a refused call must not move it. */
async function logPosition(): Promise<string> {
  return JSON.stringify((await agent.get("/readyz")) as { position: unknown });
}

/** Runs `call` through both pipes; they must agree byte for byte. Returns the shared outcome. */
async function agreed(call: RawCall, killAfterMs?: number): Promise<RawOutcome & { json(): Record<string, unknown> }> {
  const outcomes = await runBothPipes(call, killAfterMs);
  const summary = (pipe: PipeKind): string =>
    `${pipe}: exit ${outcomes[pipe].code} ${outcomes[pipe].signal ?? ""}\n  stdout ${outcomes[pipe].stdout}\n  stderr ${outcomes[pipe].stderr}`;
  const describe = `${summary("native")}\n${summary("node")}`;
  expect(outcomes.native.signal, describe).toBeNull();
  expect(outcomes.node.signal, describe).toBeNull();
  expect(outcomes.native.stdout, describe).toBe(outcomes.node.stdout);
  expect(outcomes.native.code, describe).toBe(outcomes.node.code);
  return { ...outcomes.native, json: () => JSON.parse(outcomes.native.stdout) as Record<string, unknown> };
}

describe("VERSION, answered by the pipe with no agent at all", () => {
  const noAgent = (): Record<string, string> =>
    env({ CNI_COMMAND: "VERSION", IPLEDGER_SOCKET: join(dir, "nobody.sock") });
  it.each([
    ["stdin's cniVersion", '{"cniVersion":"0.4.0"}'],
    ["an unsupported cniVersion, echoed", '{"cniVersion":"9.9.9"}'],
    ["empty stdin", ""],
    ["stdin that is not JSON", "{nope"],
    ["a cniVersion that is no string", '{"cniVersion":7}'],
    [
      "a cniVersion with quotes, backslashes, control characters and U+2028",
      JSON.stringify({ cniVersion: 'a"b\\c\n\t\u0001\u001f\u2028<&>é' }),
    ],
    ["a duplicated key (the last one counts)", '{"cniVersion":"0.3.0","cniVersion":"1.0.0"}'],
    ["stdin over 1 MiB", JSON.stringify({ cniVersion: "0.4.0", pad: "x".repeat(MIB) })],
    ["stdin nested 500 deep", `{"cniVersion":"0.3.1","deep":${"[".repeat(500)}${"]".repeat(500)}}`],
  ])("%s", async (_name, stdin) => {
    const outcome = await agreed({ env: noAgent(), stdin });
    expect(outcome.code).toBe(0);
    expect(outcome.json()).toMatchObject({ supportedVersions: ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"] });
    expect(outcome.stderr).toBe("");
  });
});

describe("the error table, through the real agent", () => {
  it.each([
    [1, "an unsupported cniVersion", {}, JSON.stringify(config({}, { cniVersion: "0.2.0" }))],
    [1, "GC at 1.0.0", { CNI_COMMAND: "GC" }, JSON.stringify(config())],
    [4, "no CNI_COMMAND", { CNI_COMMAND: undefined }, JSON.stringify(config())],
    [4, "an unknown CNI_COMMAND", { CNI_COMMAND: "ATTACH" }, JSON.stringify(config())],
    [4, "ADD without CNI_CONTAINERID", { CNI_CONTAINERID: undefined }, JSON.stringify(config())],
    [4, "an invalid IPLEDGER_AGENT_TIMEOUT_MS", { IPLEDGER_AGENT_TIMEOUT_MS: "soon" }, JSON.stringify(config())],
    [6, "stdin that is not JSON", {}, '{"cniVersion": "1.0.0",'],
    [6, "a JSON array", {}, "[1,2]"],
    [6, "empty stdin", {}, ""],
    [7, "stdin over 1 MiB", {}, JSON.stringify(config({ pad: "x".repeat(MIB) }))],
    [
      7,
      "an ipam.socket that is no string (the pipe falls back to IPLEDGER_SOCKET)",
      {},
      JSON.stringify(config({ socket: 7 })),
    ],
    [7, "an invalid range_end", {}, JSON.stringify(config({ range_end: "10.96.0.300" }))],
    [7, "a malformed CNI_ARGS", { CNI_ARGS: "K8S_POD_NAME=a=b" }, JSON.stringify(config())],
    [
      102,
      "a requested address outside the range",
      {},
      JSON.stringify(config({}, { runtimeConfig: { ips: ["10.95.0.9/24"] } })),
    ],
    [
      103,
      "a requested address that is excluded",
      {},
      JSON.stringify(config({ exclude: ["10.96.0.9/32"] }, { runtimeConfig: { ips: ["10.96.0.9/24"] } })),
    ],
    [105, "CHECK without prevResult", { CNI_COMMAND: "CHECK" }, JSON.stringify(config())],
  ])("code %i: %s, and the log does not move", async (code, _name, overrides, stdin) => {
    const before = await logPosition();
    const outcome = await agreed({ env: env(overrides), stdin });
    expect(outcome.code).toBe(1);
    expect(outcome.json()).toMatchObject({ code });
    expect(outcome.stdout.endsWith("}\n")).toBe(true);
    expect(await logPosition()).toBe(before);
  });

  it("codes 100, 101 and 50: a full pool, a taken address, STATUS on the full pool", async () => {
    const small = config({ range: "10.94.0.0/30" }, { cniVersion: "1.1.0" });
    const pod = (index: number): Record<string, string> =>
      env({ CNI_CONTAINERID: `full-${index}`, CNI_ARGS: `K8S_POD_NAMESPACE=conf;K8S_POD_NAME=full-${index}` });
    const taken: string[] = [];
    let outcome = await agreed({ env: pod(0), stdin: JSON.stringify(small) });
    for (let index = 1; outcome.code === 0 && index < 8; index += 1) {
      taken.push(String((outcome.json()["ips"] as { address: string }[])[0]?.address));
      outcome = await agreed({ env: pod(index), stdin: JSON.stringify(small) });
    }
    expect(outcome.json()).toMatchObject({ cniVersion: "1.1.0", code: 100 });
    const before = await logPosition();
    const inUse = config({ range: "10.94.0.0/30" }, { cniVersion: "1.1.0", runtimeConfig: { ips: [taken[0]] } });
    expect((await agreed({ env: pod(20), stdin: JSON.stringify(inUse) })).json()).toMatchObject({ code: 101 });
    expect((await agreed({ env: env({ CNI_COMMAND: "STATUS" }), stdin: JSON.stringify(small) })).json()).toMatchObject({
      code: 50,
    });
    expect(await logPosition()).toBe(before);
  });
});

describe("the ledger's results", () => {
  it("ADD twice on one attachment prints the same result through both; CHECK, GC, STATUS and DEL print nothing", async () => {
    const call = {
      env: env({ CNI_CONTAINERID: "conf-ok", CNI_ARGS: "K8S_POD_NAMESPACE=conf;K8S_POD_NAME=conf-ok" }),
      stdin: JSON.stringify(config({}, { cniVersion: "1.1.0" })),
    };
    const add = await agreed(call);
    expect(add.code).toBe(0);
    expect(add.json()).toMatchObject({
      cniVersion: "1.1.0",
      ips: [{ address: expect.stringMatching(/^10\.96\.0\.\d+\/24$/) }],
    });
    const withPrev = JSON.stringify(config({}, { cniVersion: "1.1.0", prevResult: add.json() }));
    for (const command of ["CHECK", "STATUS", "GC"] as const) {
      const outcome = await agreed({
        env: { ...call.env, CNI_COMMAND: command },
        stdin:
          command === "GC"
            ? JSON.stringify(
                config(
                  {},
                  { cniVersion: "1.1.0", "cni.dev/valid-attachments": [{ containerID: "conf-ok", ifname: "net1" }] },
                ),
              )
            : withPrev,
      });
      expect({ command, code: outcome.code, stdout: outcome.stdout }).toEqual({ command, code: 0, stdout: "" });
    }
    const del = await agreed({ ...call, env: { ...call.env, CNI_COMMAND: "DEL" } });
    expect(del).toMatchObject({ code: 0, stdout: "" });
  });
});

describe("code 11: the agent not reached, within the bound, with nothing else on stdout", () => {
  let standIns: Server[] = [];
  afterAll(async () => {
    for (const server of standIns) await new Promise((resolve) => server.close(resolve));
    standIns = [];
  });

  /**
   * A stand-in for the agent on a unix socket: a real agent cannot be made to answer half an
   * answer or an older API, so these cases use a server that does exactly that, and say so.
   */
  async function standIn(name: string, onRequest: (socket: Socket) => void): Promise<string> {
    const path = join(dir, `${name}.sock`);
    const server = createServer((socket) => {
      socket.once("data", () => onRequest(socket));
      socket.on("error", () => undefined);
    });
    standIns.push(server);
    await new Promise<void>((resolve) => server.listen(path, resolve));
    return path;
  }

  const expectEleven = (outcome: RawOutcome & { json(): Record<string, unknown> }, reason: string): void => {
    expect(outcome.code).toBe(1);
    expect(outcome.stdout.split("\n")).toHaveLength(2); // one JSON document, then the newline
    expect(outcome.json()).toMatchObject({ cniVersion: "1.0.0", code: 11, msg: expect.stringContaining(reason) });
  };

  it("no socket at the path (ENOENT)", async () => {
    const missing = join(dir, "missing.sock");
    const outcome = await agreed({ env: env({ IPLEDGER_SOCKET: missing }), stdin: JSON.stringify(config()) });
    expectEleven(outcome, "no socket exists at that path");
    expect(outcome.json()["details"]).toBe(`ENOENT: connect ENOENT ${missing}`);
  });

  it("a file that is not a socket, and a socket nobody listens on (ECONNREFUSED)", async () => {
    const file = join(dir, "plain-file.sock");
    writeFileSync(file, "");
    chmodSync(file, 0o600);
    expectEleven(
      await agreed({ env: env({ IPLEDGER_SOCKET: file }), stdin: JSON.stringify(config()) }),
      "nothing is listening",
    );
    const live = await standIn("soon-gone", () => undefined);
    const stale = join(dir, "stale.sock");
    linkSync(live, stale); // a second name for the socket outlives the server that bound it
    const server = standIns.pop();
    await new Promise((resolve) => server?.close(resolve));
    expectEleven(
      await agreed({ env: env({ IPLEDGER_SOCKET: stale }), stdin: JSON.stringify(config()) }),
      "nothing is listening",
    );
  });

  it("a hung agent (SIGSTOP): code 11 after the deadline, not before, and the agent serves again after SIGCONT", async () => {
    const hungDir = join(dir, "hung");
    const hung = await startAgent({
      dataDir: join(hungDir, "data"),
      socketPath: join(hungDir, "agent.sock"),
      node: "hung",
    });
    try {
      process.kill(hung.pid, "SIGSTOP");
      const call = {
        env: env({ IPLEDGER_SOCKET: hung.socketPath, IPLEDGER_AGENT_TIMEOUT_MS: "1500" }),
        stdin: JSON.stringify(config()),
      };
      const outcome = await agreed(call, 60_000);
      expectEleven(outcome, "no answer within 1500 ms");
      expect(outcome.json()["details"]).toBe("ETIMEDOUT: no complete answer within 1500 ms");
      expect(outcome.elapsedMs).toBeGreaterThanOrEqual(1400);
      process.kill(hung.pid, "SIGCONT");
      const after = await agreed({
        env: env({ IPLEDGER_SOCKET: hung.socketPath, CNI_COMMAND: "DEL" }),
        stdin: JSON.stringify(config()),
      });
      expect(after).toMatchObject({ code: 0, stdout: "" });
    } finally {
      process.kill(hung.pid, "SIGCONT");
      await hung.stop();
    }
  });

  it("a slow answer cut off by the deadline prints none of it (stand-in sends half an answer, then nothing)", async () => {
    const slow = await standIn("slow", (socket) => {
      socket.write(
        'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"exitCode":0,"stdout":"{\\"cniVersion\\":\\"1.0.0\\",',
      );
    });
    const outcome = await agreed({
      env: env({ IPLEDGER_SOCKET: slow, IPLEDGER_AGENT_TIMEOUT_MS: "800" }),
      stdin: JSON.stringify(config()),
    });
    expectEleven(outcome, "no answer within 800 ms");
    expect(outcome.stdout).not.toContain("exitCode");
  });

  it("an agent that hangs up mid-answer, and one that speaks an older API: code 11 from both pipes, nothing of the answer printed", async () => {
    const cut = await standIn("cut", (socket) => {
      socket.end(
        'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"exitCode":0,"stdout":"{\\"ips',
      );
    });
    // Both pipes print code 11; the reason differs (the node pipe sees the cut, the native one an unparsable body), so only the code is compared.
    const outcomes = await runBothPipes({ env: env({ IPLEDGER_SOCKET: cut }), stdin: JSON.stringify(config()) });
    for (const outcome of Object.values(outcomes)) {
      expect(outcome.code).toBe(1);
      expect(JSON.parse(outcome.stdout)).toMatchObject({ code: 11 });
      expect(outcome.stdout).not.toContain("ips");
    }
    const older = await standIn("older", (socket) => {
      const body = '{"statusCode":404,"error":"Not Found"}';
      socket.end(
        `HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      );
    });
    expectEleven(
      await agreed({ env: env({ IPLEDGER_SOCKET: older }), stdin: JSON.stringify(config()) }),
      "answered HTTP 404",
    );
  });
});
