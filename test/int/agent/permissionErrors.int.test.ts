import { execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { startAgent } from "../../../src/agent.js";
import { EXIT } from "../../../src/exitCodes.js";
import { httpJson } from "../../support/agent/agentCalls.js";
import { freshDir } from "../../support/agent/agentFiles.js";
import { cniBody } from "../../support/agent/cniBodies.js";
import { REPO_ROOT, requireBuilt } from "../../support/builtDist.js";

// "What users hit": permission errors named as such, with the documented exit code (2), and an
// agent that cannot write its data directory failing at start. The built CLI runs as the
// unprivileged user nobody (uid 65534), because root passes every permission check.

const NOBODY = 65_534;
const isRoot = process.getuid?.() === 0;
// Outside CI a non-root run skips loudly; in CI the cases run and fail (spawning as nobody needs root).
const skipPermissions = !isRoot && process.env.CI !== "true";
if (skipPermissions)
  console.warn(
    "permissionErrors: the permission cases need root to run the CLI as nobody: run the int tests as root (sudo -E npx vitest run …)",
  );
let dir: string;

beforeEach(() => {
  dir = freshDir("ipledger-perm-");
  chmodSync(dir, 0o755); // nobody may look inside; what is below decides
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** True when every folder from `path` up lets others in (a checkout under /root does not). */
function othersMayEnter(path: string): boolean {
  for (let at = path; ; at = dirname(at)) {
    if ((statSync(at).mode & 0o001) === 0) return false;
    if (dirname(at) === at) return true;
  }
}

// Where nobody runs the CLI from: the checkout when nobody may enter it, else a copy (hard links
// where the file system allows) of what the CLI needs at run time.
// The same for the node binary (CI's Node 24 lives under /root/.cache).
let nobodysCopy: string | undefined;
function copyInto(copy: string, path: string): void {
  try {
    execFileSync("cp", ["-al", path, copy]);
  } catch {
    execFileSync("cp", ["-a", path, copy]);
  }
}
function copyForNobody(): string {
  if (nobodysCopy) return nobodysCopy;
  const copy = mkdtempSync(join(tmpdir(), "ipledger-perm-cli-"));
  chmodSync(copy, 0o755);
  return (nobodysCopy = copy);
}
function cliForNobody(): { root: string; node: string } {
  requireBuilt("dist/src/cli/bin.js");
  let root = REPO_ROOT;
  if (!othersMayEnter(REPO_ROOT)) {
    root = copyForNobody();
    if (!statSync(join(root, "dist"), { throwIfNoEntry: false }))
      for (const entry of ["dist", "node_modules", "package.json"]) copyInto(root, join(REPO_ROOT, entry));
  }
  let node = process.execPath;
  if (!othersMayEnter(dirname(node))) {
    const bin = join(copyForNobody(), "bin");
    if (!statSync(bin, { throwIfNoEntry: false })) {
      mkdirSync(bin, { mode: 0o755 });
      copyInto(bin, process.execPath);
    }
    node = join(bin, basename(process.execPath));
  }
  return { root, node };
}

afterAll(() => {
  if (nobodysCopy) rmSync(nobodysCopy, { recursive: true, force: true });
});

/** Runs `ipledger …args` (as nobody when `asNobody`), killed after 20 s; its exit code and stderr. */
function cli(args: readonly string[], asNobody: boolean): Promise<{ code: number | null; stderr: string }> {
  const { root, node } = asNobody ? cliForNobody() : { root: REPO_ROOT, node: process.execPath };
  const bin = join(root, "dist/src/cli/bin.js");
  requireBuilt("dist/src/cli/bin.js");
  const child = spawn(node, [bin, ...args], {
    cwd: root,
    stdio: ["ignore", "ignore", "pipe"],
    ...(asNobody ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  return new Promise((resolve) => child.on("exit", (code) => (clearTimeout(timer), resolve({ code, stderr }))));
}

/** A data directory with a log and a projection, made by a real agent as root. */
async function populatedDataDir(name: string): Promise<string> {
  const dataDir = join(dir, name);
  const agent = await startAgent({ dataDir, socket: join(dir, `${name}.sock`), node: "node-perm", quiet: true });
  const added = await httpJson({ socketPath: agent.socketPath }, "POST", "/v1/cni/add", {
    body: cniBody({ pod: { name: "perm-pod" } }),
  });
  expect(added.status).toBe(200);
  await agent.close();
  return dataDir;
}

function nobodysDir(name: string): string {
  const path = join(dir, name);
  mkdirSync(path);
  chownSync(path, NOBODY, NOBODY);
  return path;
}

// Skips only outside CI when not root (spawning as nobody needs root); with CI set the cases run and fail.
describe.skipIf(skipPermissions)("permission errors (run as nobody)", () => {
  it("an agent on a data directory it cannot write fails at start, naming the directory and the permission", async () => {
    const dataDir = await populatedDataDir("readonly");
    chmodSync(dataDir, 0o755);
    for (const file of ["ledger.db", "projection.db"]) chmodSync(join(dataDir, file), 0o644); // as older versions made them
    const run = await cli(["agent", "--data-dir", dataDir, "--socket", join(nobodysDir("run"), "agent.sock")], true);
    expect(run.stderr).toContain(dataDir);
    expect(run.stderr).toMatch(/permission denied \(EACCES\)/);
    expect(run.code).toBe(EXIT.usage);
  }, 60_000);

  it("EACCES creating the data directory names the path and exits 2, not 70", async () => {
    const parent = join(dir, "root-only");
    mkdirSync(parent, { mode: 0o755 });
    const run = await cli(
      ["agent", "--data-dir", join(parent, "ipledger"), "--socket", join(nobodysDir("run"), "agent.sock")],
      true,
    );
    expect(run.stderr).toContain(`cannot create the data directory ${join(parent, "ipledger")}`);
    expect(run.stderr).toMatch(/EACCES/);
    expect(run.code).toBe(EXIT.usage);
  }, 60_000);

  it("an unreadable projection is reported as unreadable, not as missing", async () => {
    const dataDir = await populatedDataDir("private");
    chmodSync(dataDir, 0o700);
    const run = await cli(["pools", "--data-dir", dataDir], true);
    expect(run.stderr).not.toMatch(/no projection/);
    expect(run.stderr).toContain(join(dataDir, "projection.db"));
    expect(run.stderr).toMatch(/permission denied \(EACCES\)/);
    expect(run.code).toBe(EXIT.usage);
  }, 60_000);
});

describe("verify on a damaged projection", () => {
  it("names the file and exits 1 (the check failed), not 70", async () => {
    const dataDir = await populatedDataDir("damaged");
    const path = join(dataDir, "projection.db");
    const size = statSync(path).size;
    const fd = openSync(path, "r+");
    writeSync(fd, Buffer.alloc(size - 4096, 0xab), 0, size - 4096, 4096); // every page but the header
    closeSync(fd);
    const run = await cli(["verify", "--data-dir", dataDir], false);
    expect(run.stderr).toContain(`the projection ${path} is damaged`);
    expect(run.code).toBe(EXIT.checkFailed);
  }, 60_000);
});
