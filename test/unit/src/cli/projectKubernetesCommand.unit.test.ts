import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ipledgerHere } from "../../../support/cli/inProcessCli.js";

// The command's checks that come before any Kubernetes call: they must say what to pass.

const dirs: string[] = [];
afterEach(() => {
  dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true }));
});

async function run(...args: string[]): Promise<{ code: number | null; stderr: string }> {
  const { status, stderr } = await ipledgerHere(["project-kubernetes", ...args]);
  return { code: status, stderr };
}

describe("ipledger project-kubernetes", () => {
  it.each([
    {
      what: "a data dir without a log",
      args: (dir: string) => ["--data-dir", dir, "--kubeconfig", join(dir, "kubeconfig")],
      code: 4,
      message: /no log at .*ledger\.db; pass the agent.s --data-dir/,
    },
    {
      what: "a missing kubeconfig",
      args: (dir: string) => (
        writeFileSync(join(dir, "ledger.db"), ""),
        ["--data-dir", dir, "--kubeconfig", join(dir, "missing")]
      ),
      code: 2,
      message: /kubeconfig .*missing does not exist; pass --kubeconfig/,
    },
    {
      what: "--kafka-* options without --kafka (the shared log options are wired)",
      args: (dir: string) => ["--data-dir", dir, "--kafka-ssl"],
      code: 2,
      message: /the --kafka-\* options need --kafka/,
    },
    {
      what: "a bad --lease-seconds",
      args: (dir: string) => ["--data-dir", dir, "--lease-seconds", "0"],
      code: 2,
      message: /--lease-seconds must be a whole number ≥ 1, not 0/,
    },
  ])("refuses $what with a message that says what to do", async ({ args, code, message }) => {
    const dir = mkdtempSync(join(tmpdir(), "ipledger-projcmd-"));
    dirs.push(dir);
    const result = await run(...args(dir));
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
  });
});
