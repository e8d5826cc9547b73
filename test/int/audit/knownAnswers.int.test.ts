import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Holder } from "../../../projections/sqlite/queries.js";
import { expectLedgerSound } from "../../support/agent/agentCalls.js";
import {
  buildAuditScenario,
  NETWORKS,
  SCENARIO_START_MS,
  seededRandom,
  type AuditScenario,
  type ExpectedTenancy,
} from "../../support/audit/auditScenario.js";
import { bruteForceReplay } from "../../support/audit/bruteForce.js";

let world: AuditScenario;
const HOUR = 3_600_000;

beforeAll(async () => {
  world = await buildAuditScenario();
});
afterAll(async () => {
  await world?.close();
});

const key = (t: { domain: string; ip: string; containerId: string; fromMs: number }) =>
  `${t.domain}|${t.ip}|${t.containerId}|${t.fromMs}`;
const asExpected = (holder: Holder): ExpectedTenancy => ({
  domain: holder.domain,
  pool: holder.pool,
  ip: holder.ip,
  podNamespace: holder.podNamespace,
  podName: holder.podName,
  podUid: holder.podUid,
  containerId: holder.containerId,
  node: holder.node,
  fromMs: Date.parse(holder.from),
  toMs: holder.to === null ? null : Date.parse(holder.to),
  endReason: holder.endReason,
});

describe("the scenario's known answers", () => {
  it("has several days of churn and a ledger that verifies", async () => {
    expect(world.endMs - SCENARIO_START_MS).toBeGreaterThan(4 * 24 * HOUR);
    expect(world.expected.length).toBeGreaterThan(120);
    await expectLedgerSound(world.agent.log, world.agent.projection);
  });

  it("history holds exactly the tenancies the driver caused, with their pools, owners, times and end reasons", () => {
    const all = world.agent.queries.history({ sinceMs: 0 }).map(asExpected);
    expect(all.map(key).sort()).toEqual(world.expected.map(key).sort());
    const byKey = new Map(world.expected.map((t) => [key(t), t]));
    for (const tenancy of all) expect(tenancy).toEqual(byKey.get(key(tenancy)));
  });

  it("an address reused by several pods: history --ip lists each holder in order, and who finds each inside its interval only", () => {
    const counts = new Map<string, number>();
    for (const t of world.expected.filter((t) => t.domain === "")) counts.set(t.ip, (counts.get(t.ip) ?? 0) + 1);
    const [busiest, count] = [...counts].sort((a, b) => b[1] - a[1])[0] as [string, number];
    expect(count).toBeGreaterThanOrEqual(8);
    const history = world.agent.queries.history({ ip: busiest, domain: "" });
    const expected = world.expected
      .filter((t) => t.ip === busiest && t.domain === "")
      .sort((a, b) => a.fromMs - b.fromMs);
    expect(history.map((h) => h.containerId)).toEqual(expected.map((t) => t.containerId));
    expect(new Set(history.map((h) => h.podName)).size).toBeGreaterThanOrEqual(8);
    for (const t of expected) {
      if (t.toMs === t.fromMs) continue; // started and stopped in one step: [t, t) holds at no instant
      expect(world.agent.queries.holdersAt(busiest, t.fromMs, "")[0]?.containerId).toBe(t.containerId);
      if (t.toMs !== null) {
        expect(world.agent.queries.holdersAt(busiest, t.toMs - 1, "")[0]?.containerId).toBe(t.containerId);
        // Half-open: at its end instant the tenancy no longer holds.
        expect(world.agent.queries.holdersAt(busiest, t.toMs, "")[0]?.containerId).not.toBe(t.containerId);
      }
    }
  });

  it("overlapping pools in one domain never share an address; the same range in another network may", () => {
    const domainOne = world.expected.filter((t) => t.domain === "");
    expect(new Set(domainOne.map((t) => t.pool))).toEqual(new Set([NETWORKS.main.pool, NETWORKS.narrow.pool]));
    for (const a of domainOne) {
      for (const b of domainOne) {
        if (a === b || a.ip !== b.ip) continue;
        const overlap =
          a.fromMs < (b.toMs ?? Infinity) &&
          b.fromMs < (a.toMs ?? Infinity) &&
          a.fromMs !== a.toMs &&
          b.fromMs !== b.toMs;
        expect(overlap, `${a.containerId} and ${b.containerId} both held ${a.ip}`).toBe(false);
      }
    }
    // Some instant had one address held in domain "" and in "blue" at once: who names both.
    const both = world.expected
      .filter((t) => t.domain === "blue")
      .flatMap((blue) =>
        domainOne
          .filter(
            (t) =>
              t.ip === blue.ip &&
              t.fromMs >= blue.fromMs &&
              t.fromMs < (blue.toMs ?? Infinity) &&
              t.fromMs < (t.toMs ?? Infinity),
          )
          .map((t) => ({ ip: t.ip, at: t.fromMs, ids: [t.containerId, blue.containerId] })),
      );
    expect(both.length).toBeGreaterThan(0);
    const { ip, at, ids } = both[0] as { ip: string; at: number; ids: string[] };
    expect(world.agent.queries.holdersAt(ip, at).map((h) => [h.domain, h.containerId])).toEqual([
      ["", ids[0]],
      ["blue", ids[1]],
    ]);
    expect(world.agent.queries.who(ip, at)?.domain).toBe("");
  });

  it("a StatefulSet pod re-created keeps its sticky address: two incarnations by --pod, one by --pod-uid", () => {
    const { ip, uids } = world.stories.statefulSet;
    const byPod = world.agent.queries.history({ pod: { namespace: "shop", name: "web-0" } });
    expect(byPod.map((h) => [h.ip, h.podUid, h.endReason])).toEqual([
      [ip, uids[0], "cni-del"],
      [ip, uids[1], null],
    ]);
    expect(world.agent.queries.history({ podUid: uids[1] as string }).map((h) => h.containerId)).toEqual(["c-web-0-b"]);
    expect(world.agent.queries.history({ containerId: "c-web-0-a" }).map((h) => h.podUid)).toEqual([uids[0]]);
  });

  it("an adoption ends the old sandbox's tenancy as 'adopted' at the instant the new one begins", () => {
    const { ip, from, to, atMs } = world.stories.adoption;
    const history = world.agent.queries.history({ pod: { namespace: "shop", name: "db-0" } });
    expect(
      history.map((h) => [h.ip, h.containerId, Date.parse(h.from), h.to && Date.parse(h.to), h.endReason]),
    ).toEqual([
      [ip, from, atMs - 10 * 60_000, atMs, "adopted"],
      [ip, to, atMs, null, null],
    ]);
    expect(world.agent.queries.holdersAt(ip, atMs - 1, "")[0]?.containerId).toBe(from);
    expect(world.agent.queries.holdersAt(ip, atMs, "")[0]?.containerId).toBe(to);
  });

  it("a release through CNI GC says cni-gc and names the agent that wrote it", () => {
    const { ip, containerId, atMs } = world.stories.gc;
    const [tenancy] = world.agent.queries.history({ containerId });
    expect(tenancy).toMatchObject({
      ip,
      endReason: "cni-gc",
      closedBy: { node: "node-a", component: "agent" },
      openedBy: { node: "node-a", component: "agent" },
      endNote: null,
    });
    expect(tenancy?.to).toBe(new Date(atMs).toISOString());
    expect(world.agent.queries.holdersAt(ip, atMs, "")).toEqual([]);
  });

  it("writers with skewed clocks: effective time never goes backwards; each writer's own clock is kept", () => {
    const s = world.stories.skew;
    const [slow] = world.agent.queries.history({ pod: { namespace: "skew", name: "slow-0" } });
    expect(slow).toMatchObject({
      ip: s.slowIp,
      node: "node-b",
      openedBy: { node: "node-b" },
      closedBy: { node: "node-a" },
      from: new Date(s.slowEffectiveFromMs).toISOString(),
      fromWrittenAt: new Date(s.slowAddMs - 5 * 60_000).toISOString(),
      to: new Date(s.slowDelMs).toISOString(),
      toWrittenAt: new Date(s.slowDelMs).toISOString(),
    });
    // B's allocation took effect at A's last time, 4 minutes later than B's clock said.
    expect(world.agent.queries.holdersAt(s.slowIp, s.slowEffectiveFromMs, "skew")[0]?.podName).toBe("slow-0");
    expect(world.agent.queries.holdersAt(s.slowIp, s.slowAddMs - 5 * 60_000, "skew")).toEqual([]);

    // C's clock ran 5 minutes ahead; A's release 2 minutes later (by A's clock) took effect at C's time.
    const [fast] = world.agent.queries.history({ pod: { namespace: "skew", name: "fast-0" } });
    const cTime = new Date(s.fastAddMs + 5 * 60_000).toISOString();
    expect(fast).toMatchObject({
      ip: s.fastIp,
      from: cTime,
      fromWrittenAt: cTime,
      to: cTime,
      toWrittenAt: new Date(s.fastDelMs).toISOString(),
      openedBy: { node: "node-c" },
      closedBy: { node: "node-a" },
    });
    expect(world.agent.queries.holdersAt(s.fastIp, s.fastAddMs + 5 * 60_000, "skew")).toEqual([]);
  });

  it("pool-state shows the pool as it was: the definition then, its holders, the other pool's holders", () => {
    const before = world.stories.redefinedMs - HOUR;
    const after = world.endMs;
    const old = world.agent.queries.poolState(NETWORKS.main.pool, before);
    expect(old.definition.exclude).toEqual([]);
    const now = world.agent.queries.poolState(NETWORKS.main.pool, after);
    expect(now.definition.exclude).toEqual(["10.30.0.11"]);
    expect(now.counts).toMatchObject({ window: 12, excluded: 1 });
    for (const at of [before, after, world.stories.adoption.atMs]) {
      const state = world.agent.queries.poolState(NETWORKS.main.pool, at);
      const expected = world.expected.filter(
        (t) => t.domain === "" && t.fromMs <= at && (t.toMs === null || t.toMs > at),
      );
      expect(state.holders.map((h) => h.containerId).sort()).toEqual(
        expected
          .filter((t) => t.pool === NETWORKS.main.pool)
          .map((t) => t.containerId)
          .sort(),
      );
      expect(state.otherPools.map((h) => h.containerId).sort()).toEqual(
        expected
          .filter((t) => t.pool !== NETWORKS.main.pool)
          .map((t) => t.containerId)
          .sort(),
      );
      expect(state.counts.held).toBe(state.holders.length);
    }
    expect(() => world.agent.queries.poolState(NETWORKS.main.pool, SCENARIO_START_MS)).toThrow(/did not exist yet/);
    expect(() => world.agent.queries.poolState("nope", after)).toThrow(/no pool "nope"/);
  });

  it("changes lists the window's events with actors and reasons, voided claims only when asked", () => {
    const since = world.stories.redefinedMs - 1;
    const until = world.stories.redefinedMs + 6 * HOUR;
    const changes = world.agent.queries.eventPage({ sinceMs: since, untilMs: until }, { limit: 10_000 }).rows;
    expect(changes.length).toBeGreaterThan(3);
    expect(changes.every((c) => c.status === "accepted" && Date.parse(c.at) >= since && Date.parse(c.at) < until)).toBe(
      true,
    );
    expect(changes.find((c) => c.type === "PoolDefined")).toMatchObject({
      pool: NETWORKS.main.pool,
      data: { exclude: ["10.30.0.11"] },
      actor: { node: "node-a", component: "agent" },
    });
    const releases = changes.filter((c) => c.type === "AddressReleased");
    expect(releases.every((c) => c.reason === "cni-del" && c.ip !== null && c.podName !== null)).toBe(true);
    const expectedReleases = world.expected.filter(
      (t) => t.endReason === "cni-del" && t.toMs !== null && t.toMs >= since && t.toMs < until && t.domain !== "skew",
    );
    expect(releases.map((c) => c.containerId).sort()).toEqual(expectedReleases.map((t) => t.containerId).sort());
    // Paging gives the same rows.
    const paged = [];
    for (
      let page = world.agent.queries.eventPage({ sinceMs: since, untilMs: until }, { limit: 3 });
      ;
      page = world.agent.queries.eventPage({ sinceMs: since, untilMs: until }, { limit: 3, after: page.next as string })
    ) {
      paged.push(...page.rows);
      if (!page.next) break;
    }
    expect(paged).toEqual(changes);
  });
});

describe("attribution against a brute-force replay", () => {
  it("10,000 random (ip, time) probes: the cached resolver and who --at both agree with replaying the whole log", async () => {
    const model = bruteForceReplay(await world.agent.events());
    const random = seededRandom(20_261_120);
    const addresses = [...model.addresses(), "10.30.0.200", "10.40.0.99", "192.0.2.1", "fd00::1"];
    const instants = model.instants();
    const span = world.endMs - SCENARIO_START_MS + 2 * HOUR;
    const resolver = world.agent.queries.attributionResolver({ maxEntries: 8 }); // small: exercises eviction too
    let held = 0;
    for (let probe = 0; probe < 10_000; probe += 1) {
      const ip = addresses[Math.floor(random() * addresses.length)] as string;
      const pick = random();
      // A third of the probes land exactly on (or 1 ms before) an instant where some tenancy began or ended.
      const at =
        pick < 0.33
          ? (instants[Math.floor(random() * instants.length)] as number) - (pick < 0.15 ? 1 : 0)
          : SCENARIO_START_MS - HOUR + Math.floor(random() * span);
      const expected = model.holdersAt(ip, at).map((h) => `${h.domain}|${h.owner.containerId}`);
      const found = resolver.resolve(ip, at);
      const viaResolver = "holders" in found ? found.holders.map((h) => `${h.domain}|${h.containerId}`) : ["invalid"];
      const viaWho = world.agent.queries.holdersAt(ip, at).map((h) => `${h.domain}|${h.containerId}`);
      if (viaResolver.join() !== expected.join() || viaWho.join() !== expected.join()) {
        throw new Error(
          `probe ${probe} ${ip} at ${new Date(at).toISOString()}: replay says [${expected}], resolver [${viaResolver}], who [${viaWho}]`,
        );
      }
      if (expected.length > 0) held += 1;
    }
    expect(held).toBeGreaterThan(2_000); // the probes are not all misses
    expect(resolver.size()).toBeLessThanOrEqual(8);
  });
});
