import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addOk, cni, expectLedgerSound, type CniErrorBody } from "../../support/agent/agentCalls.js";
import { cniBody } from "../../support/agent/cniBodies.js";
import { startTestAgent, type TestAgent } from "../../support/agent/testAgent.js";

// `configuration_path` comes from whoever may write a NetworkAttachmentDefinition, and its error
// reaches pod events. So the agent reads flat files only from its allowed directories, only
// regular files of bounded size, without blocking, and never quotes them; a file it will not read
// gets the same answer as a file that does not exist, and nothing is appended.

const SECRET = "root:$6$Zq9SECRETSALT$notForYourEyes:19000:0:99999:7:::";
const TOKEN = "s3cr3t-token-4f9a2c admin ops";

let root = "";
let allowed = "";
let outside = "";
let agent: TestAgent;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "ipledger-flat-"));
  allowed = join(root, "allowed");
  outside = join(root, "outside");
  mkdirSync(allowed);
  mkdirSync(outside);
  writeFileSync(join(outside, "shadow"), `${SECRET}\n`, { mode: 0o600 });
  writeFileSync(join(outside, "tokens"), `${TOKEN}\n`, { mode: 0o600 });
  writeFileSync(join(allowed, "tokens"), `${TOKEN}\n`, { mode: 0o600 });
  writeFileSync(join(allowed, "good.conf"), JSON.stringify({ range: "10.88.0.0/24", gateway: "10.88.0.1" }));
  writeFileSync(
    join(allowed, "big.conf"),
    JSON.stringify({ range: "10.88.0.0/24", padding: `${SECRET}${"x".repeat(100 * 1024)}` }),
  );
  symlinkSync(join(outside, "shadow"), join(allowed, "link-to-shadow"));
  const fifo = spawnSync("mkfifo", [join(allowed, "fifo")]);
  if (fifo.status !== 0) throw new Error(`mkfifo failed: ${fifo.stderr.toString()}`);
  // Only the test's directory: the machine's real /etc/cni is none of this test's business.
  agent = await startTestAgent({ flatFile: { dirs: [allowed], locations: [] } });
});

afterAll(async () => {
  try {
    await expectLedgerSound(agent.log, agent.projection);
  } finally {
    await agent.close();
    if (root) rmSync(root, { recursive: true, force: true });
  }
});

const withPath = (path: string, pod: string) =>
  cniBody({ pod: { name: pod }, ipam: { range: undefined, configuration_path: path } });

async function refused(path: string): Promise<string> {
  const before = await agent.logSize();
  const reply = await cni(agent.app, "add", withPath(path, "flat"));
  const error = reply.body as unknown as CniErrorBody;
  expect(reply.status, JSON.stringify(reply.body)).toBe(400);
  expect(error.code).toBe(7);
  expect(error.details).toContain("ipam.configuration_path");
  for (const leak of ["root:", "SECRET", "notForYourEyes", "s3cr3t", "xxxx"]) expect(error.details).not.toContain(leak);
  expect(await agent.logSize()).toBe(before);
  // The path is the caller's own text; everything else must be the same whatever the file is.
  return error.details.replace(JSON.stringify(path), "<path>");
}

describe("configuration_path", () => {
  it("merges a flat file from an allowed directory (inline keys win)", async () => {
    expect(await addOk(agent.app, withPath(join(allowed, "good.conf"), "merged"))).toEqual(["10.88.0.2/24"]);
  });

  it("gives one answer, quoting nothing, for a missing file, a shadow-like file outside the list, a link out of it, a token file, a too-big file and a FIFO", async () => {
    const missing = await refused(join(allowed, "no-such.conf"));
    expect(missing).toMatch(
      /cannot be used: a flat file must be a readable regular file of at most 65536 bytes in .*--flat-file-dir/,
    );
    for (const path of [
      join(outside, "shadow"),
      join(outside, "tokens"),
      join(allowed, "link-to-shadow"),
      join(allowed, "big.conf"),
      join(allowed, "fifo"),
      "/etc/shadow",
      "relative/whereabouts.conf",
    ]) {
      expect(await refused(path), path).toBe(missing);
    }
  });

  it("names a non-JSON file in an allowed directory without quoting it", async () => {
    const details = await refused(join(allowed, "tokens"));
    expect(details).toContain("is not valid JSON");
  });

  it("stays responsive while a FIFO is named: other ADDs are served alongside", async () => {
    const [fifo, other] = await Promise.all([
      cni(agent.app, "add", withPath(join(allowed, "fifo"), "fifo-pod")),
      addOk(agent.app, cniBody({ pod: { name: "alongside" }, ipam: { range: "10.89.0.0/24" } })),
    ]);
    expect(fifo.status).toBe(400);
    expect(other).toEqual(["10.89.0.1/24"]);
    expect(
      (await cni(agent.app, "status", cniBody({ pod: { name: "alongside" }, ipam: { range: "10.89.0.0/24" } }))).status,
    ).toBe(200);
  });
});
