import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVENT_SCHEMA_VERSION } from "../../../ledger/core/index.js";
import { openSqliteEventLog } from "../../../ledger/log/sqliteEventLog.js";
import { openSqliteProjection } from "../../../projections/sqlite/sqliteProjection.js";
import type { EventView, Holder, PoolState } from "../../../projections/sqlite/queries.js";
import { LOG_FILE, PROJECTION_FILE } from "../../../src/agent.js";
import { freshDir } from "../../support/agent/agentFiles.js";
import { ipledgerHere, ipledgerHereJson } from "../../support/cli/inProcessCli.js";
import { ipledger, ipledgerJson } from "../../support/cli/spawnedCli.js";
import {
  buildAuditScenario,
  NETWORKS,
  SCENARIO_START_MS,
  seededRandom,
  type AuditScenario,
} from "../../support/audit/auditScenario.js";
import { bruteForceReplay, type BruteHolder } from "../../support/audit/bruteForce.js";

let world: AuditScenario;
let scratch: string;
let data: string[];

beforeAll(async () => {
  world = await buildAuditScenario();
  scratch = freshDir("ipledger-audit-cli-");
  data = ["--data-dir", world.agent.dataDir];
});
afterAll(async () => {
  await world?.close();
  rmSync(scratch, { recursive: true, force: true });
});

const iso = (ms: number) => new Date(ms).toISOString();

describe("ipledger who, history, pool-state and changes", () => {
  it("who <ip> --at and who <cidr> --at answer from the data directory, with their basis", async () => {
    const { ip, atMs, to } = world.stories.adoption;
    const one = await ipledgerHereJson<{
      holder: Holder;
      holders: Holder[];
      basis: Record<string, number>;
      at: string;
    }>(["who", ip, "--at", iso(atMs), "--domain", "", ...data]);
    expect(one).toMatchObject({
      at: iso(atMs),
      holder: { containerId: to, podName: "db-0" },
      basis: world.agent.queries.basis(),
    });
    const cidr = await ipledgerHereJson<{ holders: Holder[] }>([
      "who",
      "10.30.0.0/24",
      "--at",
      String(world.stories.statefulSet.recreatedMs),
      ...data,
    ]);
    expect(cidr.holders).toEqual(
      world.agent.queries.holdersInCidr("10.30.0.0/24", world.stories.statefulSet.recreatedMs, { limit: 10_000 }).rows,
    );
    const table = await ipledgerHere(["who", ip, "--at", iso(atMs), "--domain", "", ...data]);
    expect(table.stdout).toMatch(/^IP\s+POOL\s+POD\s+PODUID/);
    expect(table.stdout).toContain("shop/db-0");
    const parts = Object.entries(world.agent.queries.basis()).map(
      ([partition, next]) => `${next} events in partition ${partition}`,
    );
    expect(table.stdout).toContain(`(as of the log's first ${parts.join(", ")}: later events are not in this answer)`);
    const nobody = await ipledgerHere(["who", "10.30.0.250", "--at", iso(atMs), ...data]);
    expect(nobody.stdout).toContain(`10.30.0.250 was not allocated at ${iso(atMs)}`);
  });

  it("history takes every filter, prints actors and reasons, and --tz prints times in a zone", async () => {
    const byPod = await ipledgerHereJson<{ holders: Holder[]; basis: object }>([
      "history",
      "--pod",
      "shop/web-0",
      "--tz",
      "+02:00",
      ...data,
    ]);
    expect(byPod.holders.map((h) => h.podUid)).toEqual(world.stories.statefulSet.uids);
    expect(byPod.holders[0]?.from).toMatch(/\+02:00$/);
    expect(byPod.holders[0]).toMatchObject({ endReason: "cni-del", closedBy: { node: "node-a", component: "agent" } });
    const orphan = await ipledgerHereJson<{ holders: Holder[] }>([
      "history",
      "--container",
      world.stories.gc.containerId,
      ...data,
    ]);
    expect(orphan.holders).toMatchObject([{ endReason: "cni-gc" }]);
    const uid = await ipledgerHereJson<{ holders: Holder[] }>([
      "history",
      "--pod-uid",
      "uid-slow-0",
      "--node",
      "node-b",
      ...data,
    ]);
    expect(uid.holders.map((h) => h.podName)).toEqual(["slow-0"]);
    const window = await ipledgerHereJson<{ holders: Holder[] }>([
      "history",
      "--cidr",
      "10.30.0.0/28",
      "--pool",
      NETWORKS.narrow.pool,
      "--since",
      iso(world.stories.redefinedMs),
      "--until",
      iso(world.stories.redefinedMs + 86_400_000),
      ...data,
    ]);
    expect(window.holders.map((h) => h.containerId)).toEqual(
      world.agent.queries
        .history({
          cidr: "10.30.0.0/28",
          pool: NETWORKS.narrow.pool,
          sinceMs: world.stories.redefinedMs,
          untilMs: world.stories.redefinedMs + 86_400_000,
        })
        .map((h) => h.containerId),
    );
    const table = await ipledgerHere(["history", "--pod", "shop/web-0", ...data]);
    expect(table.stdout.split("\n")[0]).toMatch(
      /^IP\s+POOL\s+POD\s+PODUID\s+CONTAINER\s+IFNAME\s+NODE\s+FROM\s+TO\s+END\s+BY\s+NOTE$/,
    );
    expect(table.stdout).toMatch(/cni-del\s+node-a\/agent/);
  });

  it("pool-state <pool> --at shows the pool then; changes lists a window's events", async () => {
    const state = await ipledgerHereJson<PoolState>([
      "pool-state",
      NETWORKS.main.pool,
      "--at",
      iso(world.stories.redefinedMs - 1),
      ...data,
    ]);
    expect(state).toMatchObject({ pool: NETWORKS.main.pool, definition: { exclude: [] } });
    const text = await ipledgerHere(["pool-state", NETWORKS.main.pool, "--at", iso(world.endMs), ...data]);
    expect(text.stdout).toContain(`pool ${NETWORKS.main.pool} (domain "") at ${iso(world.endMs)}`);
    expect(text.stdout).toContain("exclude 10.30.0.11");
    const changes = await ipledgerHereJson<{ changes: EventView[] }>([
      "changes",
      "--since",
      iso(world.stories.gc.atMs),
      "--until",
      iso(world.stories.gc.atMs + 1),
      ...data,
    ]);
    expect(changes.changes).toMatchObject([
      { type: "AddressReleased", reason: "cni-gc", actor: { node: "node-a", component: "agent" } },
    ]);
    const table = await ipledgerHere([
      "changes",
      "--since",
      iso(world.stories.adoption.atMs),
      "--until",
      iso(world.stories.adoption.atMs + 1),
      ...data,
    ]);
    expect(table.stdout).toMatch(/AllocationAdopted/);
  });

  it("answers the same through a running agent (--socket), page by page", async () => {
    const socket = join(scratch, "agent.sock");
    await world.agent.app.listen({ path: socket });
    const local = await ipledgerHereJson<{ holders: Holder[] }>(["history", "--cidr", "10.30.0.0/24", ...data]);
    const remote = await ipledgerJson<{ holders: Holder[] }>([
      "history",
      "--cidr",
      "10.30.0.0/24",
      "--socket",
      socket,
      "--consistent",
    ]); // a real run, over the socket
    expect(remote.holders).toEqual(local.holders);
    expect(local.holders.length).toBeGreaterThan(100);
    const who = await ipledgerHereJson<{ holders: Holder[] }>([
      "who",
      world.stories.gc.ip,
      "--at",
      iso(world.stories.gc.atMs - 1),
      "--socket",
      socket,
    ]);
    expect(who.holders.map((h) => h.containerId)).toContain(world.stories.gc.containerId);
    const changes = await ipledgerHereJson<{ changes: EventView[] }>([
      "changes",
      "--since",
      iso(SCENARIO_START_MS),
      "--socket",
      socket,
      "--include-voided",
    ]);
    expect(changes.changes.length).toBe(
      world.agent.queries.eventPage({ includeVoided: true, sinceMs: SCENARIO_START_MS }, { limit: 10_000 }).rows.length,
    );
  });

  it("refuses ambiguous or invalid times and missing filters with exit code 2, and says why", async () => {
    const ambiguous = await ipledger(["who", "10.30.0.1", "--at", "2026-03-03T10:00:00", ...data]); // the real binary's exit code
    expect([ambiguous.status, ambiguous.stderr]).toEqual([
      2,
      expect.stringContaining("has no zone, so it is ambiguous"),
    ]);
    const impossible = await ipledgerHere(["history", "--ip", "10.30.0.1", "--since", "2026-02-30T00:00:00Z", ...data]);
    expect([impossible.status, impossible.stderr]).toEqual([2, expect.stringContaining("not a valid calendar time")]);
    const unit = await ipledgerHere(["who", "10.30.0.1", "--at", "3 fortnights ago", ...data]);
    expect([unit.status, unit.stderr]).toEqual([2, expect.stringContaining("unknown unit")]);
    const nothing = await ipledgerHere(["history", ...data]);
    expect([nothing.status, nothing.stderr]).toEqual([2, expect.stringContaining("history needs a filter")]);
    const zone = await ipledgerHere(["history", "--ip", "10.30.0.1", "--tz", "Mars/Olympus", ...data]);
    expect([zone.status, zone.stderr]).toEqual([2, expect.stringContaining("is not a time zone")]);
  });

  it("--consistent waits for the projection and fails with exit code 3 when it stays behind the log", async () => {
    const dir = join(scratch, "behind");
    mkdirSync(dir);
    const log = openSqliteEventLog({ path: join(dir, LOG_FILE) });
    openSqliteProjection(join(dir, PROJECTION_FILE)).close();
    const definition = {
      range: "10.9.0.0/24",
      start: "10.9.0.1",
      end: "10.9.0.254",
      exclude: [],
      networkName: "",
      reuseCooldownSeconds: 0,
    };
    await log.append("", [
      {
        v: EVENT_SCHEMA_VERSION,
        id: "e1",
        type: "PoolDefined",
        domain: "",
        pool: "10.9.0.0-24",
        at: iso(SCENARIO_START_MS),
        actor: { node: "n", component: "test" },
        data: definition,
      },
    ]);
    await log.close();
    const run = await ipledgerHere([
      "who",
      "10.9.0.1",
      "--data-dir",
      dir,
      "--consistent",
      "--consistent-timeout",
      "0.3",
    ]);
    expect(run.status).toBe(3);
    expect(run.stderr).toContain("is still 1 events behind the log");
    expect((await ipledgerHere(["who", "10.9.0.1", "--data-dir", dir])).status).toBe(0); // without --consistent: answers from what it has
  });
});

describe("ipledger export", () => {
  it("streams tenancies and events as CSV, NDJSON and JSON, with the same filters", async () => {
    const all = world.agent.queries.history({ sinceMs: 0 });
    const csvFile = join(scratch, "tenancies.csv");
    const csv = await ipledgerHere(["export", "tenancies", "--format", "csv", "--out", csvFile, ...data]);
    expect(csv.status, csv.stderr).toBe(0);
    expect(csv.stderr).toContain(`exported ${all.length} tenancies`);
    expect(readFileSync(csvFile, "utf8").trimEnd().split("\n")).toHaveLength(all.length + 1);
    const ndjson = await ipledgerHere(["export", "tenancies", "--format", "ndjson", "--pod", "shop/web-0", ...data]);
    expect(
      ndjson.stdout
        .trimEnd()
        .split("\n")
        .map((line) => (JSON.parse(line) as Holder).podUid),
    ).toEqual(world.stories.statefulSet.uids);
    const json = await ipledgerHere([
      "export",
      "events",
      "--format",
      "json",
      "--pod",
      "shop/db-0",
      "--tz",
      "Europe/Paris",
      ...data,
    ]);
    const events = JSON.parse(json.stdout) as EventView[];
    expect(events.map((e) => e.type)).toEqual(["AddressAllocated", "AllocationAdopted"]);
    expect(events[0]?.at).toMatch(/\+01:00$/);
    const wrong = await ipledgerHere(["export", "tenancies", "--format", "xml", ...data]);
    expect(wrong.status).toBe(2);
  });
});

describe("ipledger attribute", () => {
  function expectedFields(holders: readonly BruteHolder[]): string {
    if (holders.length === 0) return "unallocated,,,";
    const join = (pick: (h: BruteHolder) => string) => holders.map(pick).join("|");
    return [
      join((h) => `${h.owner.podNamespace}/${h.owner.podName}`),
      join((h) => h.owner.podUid),
      join((h) => h.owner.node),
      join((h) => h.pool),
    ].join(",");
  }

  it("10,000 firewall log lines: each written back unchanged with the holder a brute-force replay finds", async () => {
    const model = bruteForceReplay(await world.agent.events());
    const random = seededRandom(424_242);
    const addresses = [...model.addresses(), "10.30.0.250", "203.0.113.9"];
    const span = world.endMs - SCENARIO_START_MS;
    const formats = [
      (ms: number) => iso(ms),
      (ms: number) => new Date(ms + 3_600_000).toISOString().replace("Z", "+01:00"),
      (ms: number) => String(ms),
      (ms: number) => (ms / 1000).toFixed(3),
    ];
    const lines: string[] = [];
    const expected: string[] = [];
    for (let index = 0; index < 10_000; index += 1) {
      const ip = addresses[Math.floor(random() * addresses.length)] as string;
      const at = SCENARIO_START_MS + Math.floor(random() * span);
      const line = `${(formats[index % formats.length] as (ms: number) => string)(at)},${ip},10.0.0.5,"tcp,5432"`;
      lines.push(line);
      expected.push(`${line},${expectedFields(model.holdersAt(ip, at))}`);
    }
    lines.push("not-a-time,10.30.0.1,x,y");
    expected.push("not-a-time,10.30.0.1,x,y,invalid,,,");
    const input = join(scratch, "firewall.csv");
    writeFileSync(input, `${lines.join("\n")}\n`);
    const run = await ipledger(["attribute", "--input", input, "--time-column", "1", "--ip-column", "2", ...data]);
    expect(run.status, run.stderr).toBe(0);
    const output = run.stdout.trimEnd().split("\n");
    expect(output).toHaveLength(expected.length);
    for (let index = 0; index < expected.length; index += 1) {
      if (output[index] !== expected[index])
        throw new Error(`line ${index + 1}: got ${output[index]}, a replay says ${expected[index]}`);
    }
    expect(run.stderr).toMatch(/attributed 10001 lines: \d+ held, \d+ unallocated, 1 invalid/);
    expect(run.stderr).toContain('line 10001: time "not-a-time" is not a time');
  });

  it("NDJSON from standard input, CSV with a header and CRLF, zone-less times with --assume-zone, and through --socket", async () => {
    const { ip, atMs } = world.stories.adoption;
    const ndjson = await ipledger(
      [
        "attribute",
        "--input",
        "-",
        "--format",
        "ndjson",
        "--ip-column",
        "flow.src",
        "--time-column",
        "ts",
        "--socket",
        join(scratch, "agent.sock"),
      ],
      {
        input: `{"ts":"${iso(atMs - 1)}","flow":{"src":"${ip}"}}\n{"ts":"${iso(atMs)}","flow":{"src":"10.30.0.250"}}\n`,
      },
    );
    expect(ndjson.status, ndjson.stderr).toBe(0);
    const [first, second] = ndjson.stdout
      .trimEnd()
      .split("\n")
      .map(
        (line) =>
          JSON.parse(line) as { ts: string; ipledger: { status: string; holders: { pod: string; domain: string }[] } },
      );
    expect(first?.ipledger.status).toBe("allocated");
    expect(first?.ipledger.holders.find((h) => h.domain === "")?.pod).toBe("shop/db-0");
    expect(second?.ipledger).toEqual({ status: "unallocated", holders: [] });
    // The time below is written without a zone, in +02:00: one millisecond before the adoption.
    const csv = await ipledger(
      [
        "attribute",
        "--input",
        "-",
        "--header",
        "--ip-column",
        "src",
        "--time-column",
        "when",
        "--assume-zone",
        "+02:00",
        ...data,
      ],
      {
        input: `when,src\r\n${new Date(atMs - 1 + 2 * 3_600_000).toISOString().slice(0, 19).replace("T", " ")},${ip}\r\n`,
      },
    );
    expect(csv.stdout.split("\r\n")[0]).toBe("when,src,holder,pod_uid,node,pool");
    expect(csv.stdout.split("\r\n")[1]).toMatch(/,shop\/db-0(\|shop\/[\w-]+)?,/);
  });
});
