import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { OperatorResult } from "../../../src/operator/operatorService.js";
import { addOk } from "../../support/agent/agentCalls.js";
import { cniBody } from "../../support/agent/cniBodies.js";
import { requireBuilt } from "../../support/builtDist.js";
import { ipledger } from "../../support/cli/spawnedCli.js";
import { startOperatorAgent, type OperatorAgent } from "../../support/operator/operatorAgent.js";

// Issue 11: a firewall appliance's address must be reservable on day one, before any pod used
// its pool. `reserve --range …` or `--nad FILE` appends the pool's PoolDefined, then the
// reservation; the first ADDs then never get the address. Bad definitions append nothing.

const nad = (ipam: Record<string, unknown>, name = "macvlan-net") =>
  [
    "apiVersion: k8s.cni.cncf.io/v1",
    "kind: NetworkAttachmentDefinition",
    "metadata:",
    `  name: ${name}`,
    "spec:",
    `  config: '${JSON.stringify({ cniVersion: "1.0.0", name, plugins: [{ type: "macvlan", master: "eth0", ipam }] })}'`,
    "",
  ].join("\n");

describe("reserve defines a pool no pod has used yet", () => {
  let op: OperatorAgent;
  let socket: string;
  let files: string;

  beforeAll(async () => {
    requireBuilt("dist/src/cli/bin.js");
    op = await startOperatorAgent({ node: "node-reserve" });
    socket = join(op.agent.dataDir, "agent.sock");
    await op.app.listen({ path: socket });
    files = mkdtempSync(join(tmpdir(), "ipledger-reserve-nad-"));
  });
  afterAll(async () => {
    await op?.close();
    rmSync(files, { recursive: true, force: true });
  });

  it("given no pool, when reserve --range runs, then PoolDefined precedes the reservation and ADDs skip the address", async () => {
    const refused = await ipledger(["reserve", "10.61.0.1", "--reason", "firewall", "--socket", socket]);
    expect(refused.status).toBe(4);
    expect(refused.stderr).toMatch(/no pool contains 10\.61\.0\.1.*--range CIDR or --nad FILE/);

    const run = await ipledger([
      "reserve",
      "10.61.0.1",
      "--range",
      "10.61.0.0/29",
      "--reason",
      "firewall appliance",
      "--socket",
      socket,
      "--output",
      "json",
    ]);
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as OperatorResult;
    expect(result.events.map((event) => event.type)).toEqual(["PoolDefined", "AddressReserved"]);
    expect(result.outcomes.map((outcome) => outcome.status)).toEqual(["accepted", "accepted"]);
    expect(result.notes[0]).toMatch(/defines pool 10\.61\.0\.0-29/);

    const first = await addOk(op.app, cniBody({ ipam: { range: "10.61.0.0/29" }, pod: { name: "first" } }));
    expect(first).toEqual(["10.61.0.2/29"]);
    // The same definition again: nothing to define, the reservation is already there.
    const again = await ipledger([
      "reserve",
      "10.61.0.1",
      "--range",
      "10.61.0.0/29",
      "--reason",
      "firewall appliance",
      "--socket",
      socket,
      "--output",
      "json",
    ]);
    expect(again.status, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as OperatorResult).events).toEqual([]);
  });

  it("given a NetworkAttachmentDefinition file, when reserve --nad runs on the data directory, then its ipam defines the pool", async () => {
    const file = join(files, "nad.yaml");
    writeFileSync(
      file,
      nad({ type: "ipledger", range: "10.62.0.0/24", range_start: "10.62.0.10", network_name: "dmz" }, "dmz"),
    );
    const run = await ipledger([
      "reserve",
      "10.62.0.10",
      "--nad",
      file,
      "--reason",
      "firewall appliance",
      "--data-dir",
      op.agent.dataDir,
      "--output",
      "json",
    ]);
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as OperatorResult;
    expect(result.events[0]).toMatchObject({
      type: "PoolDefined",
      pool: "dmz-10.62.0.0-24",
      domain: "dmz",
      data: { range: "10.62.0.0/24", start: "10.62.0.10", networkName: "dmz" },
    });
    expect(result.events[1]).toMatchObject({
      type: "AddressReserved",
      pool: "dmz-10.62.0.0-24",
      data: { target: "10.62.0.10" },
    });
    await op.agent.runner.waitForCatchUp(5_000);
    const ip = await addOk(
      op.app,
      cniBody({
        ipam: { range: "10.62.0.0/24", range_start: "10.62.0.10", network_name: "dmz" },
        pod: { name: "dmz-0" },
      }),
    );
    expect(ip).toEqual(["10.62.0.11/24"]);
  });

  it.each([
    ["a range that is not a CIDR", ["10.63.0.1", "--range", "10.63.0.0/33"], /ipam\.range|not a CIDR|range/],
    [
      "a companion flag without --range",
      ["10.63.0.1", "--exclude", "10.63.0.0/30"],
      /--exclude describes a pool: it needs --range/,
    ],
    [
      "--nad and --range together",
      ["10.63.0.1", "--range", "10.63.0.0/24", "--nad", "/nonexistent"],
      /--nad defines the pool by itself/,
    ],
    [
      "a --nad file that does not exist",
      ["10.63.0.1", "--nad", "/nonexistent/nad.yaml"],
      /cannot read --nad \/nonexistent\/nad\.yaml: ENOENT/,
    ],
    [
      "a target outside the range given",
      ["10.64.0.1", "--range", "10.63.0.0/24"],
      /10\.64\.0\.1 is not inside the pool definition given: 10\.63\.0\.0-24/,
    ],
    [
      "a definition that differs from the log's",
      ["10.61.0.3", "--range", "10.61.0.0/29", "--exclude", "10.61.0.6"],
      /pool 10\.61\.0\.0-29 is already defined differently/,
    ],
    [
      "an unknown --output",
      ["10.63.0.1", "--range", "10.63.0.0/24", "--output", "yaml"],
      /--output must be table or json, not "yaml"/,
    ],
  ])(
    "given %s, reserve exits 2 with one line and a hint, and the log's end offset does not move",
    async (_case, args, message) => {
      const before = await op.agent.logSize();
      const run = await ipledger(["reserve", ...(args as string[]), "--reason", "bad input", "--socket", socket]);
      expect(run.status, run.stderr).toBe(2);
      expect(run.stderr).toMatch(message as RegExp);
      expect(run.stderr).toContain("(run 'ipledger reserve --help' for the options and an example)");
      expect(run.stderr.trim().split("\n").length).toBeLessThanOrEqual(2);
      expect(await op.agent.logSize()).toBe(before);
    },
  );

  it("given a file that is not a NetworkAttachmentDefinition, reserve --nad says so without quoting it and appends nothing", async () => {
    const file = join(files, "secret.yaml");
    writeFileSync(file, "password: hunter2\n");
    const before = await op.agent.logSize();
    const run = await ipledger(["reserve", "10.63.0.1", "--nad", file, "--reason", "bad input", "--socket", socket]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/is not a NetworkAttachmentDefinition with a spec\.config string/);
    expect(run.stderr).not.toContain("hunter2");
    expect(await op.agent.logSize()).toBe(before);
  });
});
