import { describe, expect, it } from "vitest";
import { LedgerError } from "../../../../ledger/core/index.js";
import type { Holder } from "../../../../projections/sqlite/tenancyRows.js";
import type { PoolState } from "../../../../projections/sqlite/poolState.js";
import { consoleAuth, cookieValue, SESSION_COOKIE } from "../../../../src/console/consoleAuth.js";
import { addressValue, CELL, poolGrid } from "../../../../src/console/poolGrid.js";
import { parseAddress } from "../../../../ledger/core/index.js";
import { historyWindow, MAX_BARS, shapeTimeline, spanOf, utilisation } from "../../../../src/console/timeline.js";
import { isLoopbackHost, splitListen } from "../../../../src/cli/commands/consoleCommand.js";
import { isAgentConsoleUrl } from "../../../../src/console/agentConsole.js";
import { indexForMount } from "../../../../src/console/consoleServer.js";
import type { AuthPolicy } from "../../../../src/http/auth.js";
import { createHash } from "node:crypto";

const T0 = Date.parse("2026-03-02T00:00:00Z");
const MIN = 60_000;
const holder = (ip: string, fromMs: number, toMs: number | null, extra: Partial<Holder> = {}): Holder =>
  ({
    ip,
    pool: "p",
    domain: "",
    podNamespace: "ns",
    podName: `pod-${ip}-${fromMs}`,
    podUid: "u",
    containerId: `c-${ip}-${fromMs}`,
    ifName: "net1",
    node: "n",
    requested: false,
    from: new Date(fromMs).toISOString(),
    to: toMs === null ? null : new Date(toMs).toISOString(),
    endReason: toMs === null ? null : "cni-del",
    endNote: null,
    fromWrittenAt: "",
    toWrittenAt: null,
    openedBy: null,
    closedBy: null,
    fromPosition: { partition: 0, offset: 0 },
    toPosition: null,
    ...extra,
  }) as Holder;

describe("the pool grid", () => {
  const state = (over: Partial<PoolState> = {}): PoolState => ({
    pool: "p",
    domain: "",
    at: new Date(T0 + 60 * MIN).toISOString(),
    definition: {
      range: "10.0.0.0/28",
      start: "",
      end: "",
      exclude: ["10.0.0.3"],
      gateway: null,
      networkName: "",
      reuseCooldownSeconds: 600,
      definedAt: new Date(T0).toISOString(),
    },
    holders: [holder("10.0.0.1", T0, null)],
    otherPools: [holder("10.0.0.2", T0, null, { pool: "q" })],
    reservations: [{ target: "10.0.0.4", note: "", from: new Date(T0).toISOString(), to: null }],
    counts: { window: 14, excluded: 1, reserved: 1, held: 1, free: 10 },
    ...over,
  });

  it("gives every address of the window its state, cooling down for ten minutes after a release", () => {
    const released = [
      holder("10.0.0.5", T0, T0 + 55 * MIN),
      holder("10.0.0.6", T0, T0 + 30 * MIN),
      holder("10.0.0.1", T0, T0 + 58 * MIN),
    ];
    const grid = poolGrid(state(), released);
    const cells = [...Buffer.from(grid.cells as string, "base64")];
    expect(grid.first).toBe("10.0.0.1");
    expect(cells).toHaveLength(14);
    expect(cells.slice(0, 6)).toEqual([
      CELL.held,
      CELL.otherPool,
      CELL.excluded,
      CELL.reserved,
      CELL.cooling,
      CELL.free,
    ]);
    expect(grid.cooling).toBe(1);
  });

  it("does not draw a window too large to draw (an IPv6 /64): counts only", () => {
    const grid = poolGrid(
      state({
        definition: { ...state().definition, range: "fd00::/64", exclude: [] },
        holders: [],
        otherPools: [],
        reservations: [],
      }),
      [],
    );
    expect(grid.cells).toBeNull();
    expect(grid.first).toBe("fd00::1");
  });
});

describe("the grid's address reader", () => {
  it("reads every text as the general parser does, canonical IPv4 or not", () => {
    const texts = [
      "0.0.0.0",
      "10.64.0.1",
      "255.255.255.255",
      "256.1.1.1",
      "010.1.1.1",
      "1.2.3",
      "fd00::1",
      "::ffff:10.0.0.1",
      "x",
      "",
    ];
    for (let i = 0; i < 2_000; i += 1) texts.push(`${(i * 37) % 256}.${(i * 101) % 256}.${i % 256}.${(i * 7) % 300}`);
    for (const text of texts) expect(addressValue(text)).toBe(parseAddress(text)?.value);
  });
});

describe("the timeline's shape", () => {
  it("sends the bars, one lane per network, while there are few", () => {
    const timeline = shapeTimeline(
      [holder("10.0.0.1", T0, T0 + MIN), holder("10.0.0.1", T0 + MIN, null, { domain: "blue" })].map(spanOf),
      T0,
      T0 + 10 * MIN,
    );
    expect(timeline.bars?.map((bar) => [bar.index, bar.lane, bar.toMs])).toEqual([
      [0, 0, T0 + MIN],
      [1, 1, null],
    ]);
    expect(timeline.lanes).toEqual(["", "blue"]);
  });

  it("sends a density instead beyond MAX_BARS, counting every tenancy once per slice it overlaps", () => {
    const many = Array.from({ length: MAX_BARS + 1 }, (_, i) =>
      holder("10.0.0.1", T0 + i * MIN, T0 + i * MIN + 30_000),
    );
    const timeline = shapeTimeline(many.map(spanOf), T0, T0 + (MAX_BARS + 1) * MIN);
    expect(timeline.bars).toBeNull();
    expect(timeline.total).toBe(MAX_BARS + 1);
    expect((timeline.density as number[]).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(MAX_BARS + 1);
  });

  it("ends the default window a little after the last change, not at a far later now", () => {
    const window = historyWindow(
      [holder("10.0.0.1", T0, T0 + 10 * MIN), holder("10.0.0.1", T0 + 20 * MIN, null)].map(spanOf),
      T0 + 365 * 86_400_000,
    );
    expect(window).toEqual({ fromMs: T0, toMs: T0 + 20 * MIN + 3_600_000 });
  });

  it("utilisation keeps a short peak inside a slice", () => {
    const { held } = utilisation(
      [holder("a", T0, T0 + 100 * MIN), holder("b", T0 + 10 * MIN, T0 + 11 * MIN)].map(spanOf),
      T0,
      T0 + 100 * MIN,
      4,
    );
    expect(held).toEqual([2, 1, 1, 1]);
  });
});

describe("the console's gate", () => {
  const token = "auditor-token-0123456789abcdef";
  const policy: AuthPolicy = {
    kind: "tokens",
    tokens: [{ digest: createHash("sha256").update(token).digest(), role: "auditor", subject: "alice" }],
  };

  it("exchanges a token for a random session cookie, and accepts the cookie or a bearer token after", () => {
    const auth = consoleAuth(policy);
    expect(() => auth.check(undefined, undefined)).toThrow(LedgerError);
    const session = auth.login(token);
    expect(session.sessionId).not.toContain(token);
    expect(auth.check(undefined, `x=1; ${SESSION_COOKIE}=${session.sessionId}`)).toBe("alice");
    expect(auth.check(`Bearer ${token}`, undefined)).toBe("alice");
    auth.logout(`${SESSION_COOKIE}=${session.sessionId}`);
    expect(() => auth.check(undefined, `${SESSION_COOKIE}=${session.sessionId}`)).toThrow(/log in/);
  });

  it("expires sessions and limits failed logins to 20 a minute", () => {
    let now = T0;
    const auth = consoleAuth(policy, () => now);
    const { sessionId } = auth.login(token);
    now += 8 * 3_600_000;
    expect(() => auth.check(undefined, `${SESSION_COOKIE}=${sessionId}`)).toThrow(LedgerError);
    for (let i = 0; i < 20; i += 1) expect(() => auth.login("wrong-token-0123456789")).toThrow(/not valid/);
    expect(() => auth.login(token)).toThrow(/too many failed logins/);
    now += 61_000;
    expect(auth.login(token).subject).toBe("alice");
  });

  it("an open console (loopback, local source) lets everyone in", () => {
    expect(consoleAuth(undefined).check(undefined, undefined)).toBe("open");
    expect(cookieValue("a=1; b=2=3", "b")).toBe("2=3");
  });

  it("reads --listen and knows loopback", () => {
    expect(splitListen("[::1]:9741")).toEqual({ host: "::1", port: 9741 });
    expect(() => splitListen("9741")).toThrow(/HOST:PORT/);
    expect(["127.0.0.1", "127.3.2.1", "::1", "localhost"].every(isLoopbackHost)).toBe(true);
    expect(["0.0.0.0", "10.0.0.1", "::", "example.com"].some(isLoopbackHost)).toBe(false);
  });
});

describe("the console's mount under the agent", () => {
  it.each([
    ["/console", true],
    ["/console/", true],
    ["/console/api/who?ip=10.0.0.1", true],
    ["/console?x=1", true],
    ["/consoles", false],
    ["/consolex/api/who", false],
    ["/v1/admin/release", false],
    ["/v1/console/", false],
  ])("%s is the console's (own gate instead of the bearer check): %s", (url, expected) => {
    expect(isAgentConsoleUrl(url)).toBe(expected);
  });

  it("writes the prefix into the page and its asset URLs, and leaves the standalone page as it is", () => {
    const html =
      '<meta name="ipledger-base" content="" />\n<link rel="stylesheet" href="/assets/app.css" />\n<script src="/assets/app.js" defer></script>';
    expect(indexForMount(html, "")).toBe(html);
    expect(indexForMount(html, "/console")).toBe(
      '<meta name="ipledger-base" content="/console" />\n<link rel="stylesheet" href="/console/assets/app.css" />\n<script src="/console/assets/app.js" defer></script>',
    );
  });
});
