import { cpSync, statSync } from "node:fs";
import { join } from "node:path";
import { startTestAgent } from "../support/agent/testAgent.js";
import { cniBody } from "../support/agent/cniBodies.js";
import { manualClock } from "../support/agent/manualClock.js";
import { launchChromium } from "../support/console/browser.js";
import { startConsole } from "../support/console/consoleProcess.js";
import { deciderWriter } from "../support/console/deciderWrites.js";

// Page timings of the console on a big pool (65,536 addresses) and a long timeline (one address,
// 10,000 tenancies), both written through the real decider, log and fold (not raw rows).
// Run: BENCH_ONLY=console npm run bench (heavy: minutes of writes through the decider).
// CONSOLE_BENCH_HELD and CONSOLE_BENCH_TENANCIES shrink it for a check; the screenshots in
// docs/images are only retaken at the full sizes.

const BIG = { name: "big", ipam: { range: "10.64.0.0/15", range_start: "10.64.0.1", range_end: "10.65.0.0" } };
const LONG = {
  name: "long",
  ipam: { range: "10.70.0.0/24", range_start: "10.70.0.5", range_end: "10.70.0.5", network_name: "long" },
};
const FULL = { held: 40_000, tenancies: 10_000 };
const HELD = Number(process.env.CONSOLE_BENCH_HELD ?? FULL.held);
const TENANCIES = Number(process.env.CONSOLE_BENCH_TENANCIES ?? FULL.tenancies);
const BATCH = 1_000;

const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

/** Writes the big pool and the long timeline, starts the built console and times its pages in Chromium. */
export async function reportConsoleBenchmarks(report: (line: string) => void): Promise<void> {
  const clock = manualClock(Date.parse("2026-01-01T00:00:00Z"));
  const agent = await startTestAgent({ now: clock.now });
  const writer = deciderWriter(agent, clock.now);
  try {
    let started = performance.now();
    const body = (network: typeof BIG | typeof LONG, i: number) =>
      cniBody({
        name: network.name,
        ipam: { ...network.ipam },
        pod: { namespace: "load", name: `${network.name}-${i}`, uid: `uid-${network.name}-${i}` },
        containerId: `c-${network.name}-${i}`,
      });
    await writer.allocate(body(BIG, 0));
    for (let i = 1; i < HELD; i += BATCH) {
      clock.advance(60_000);
      await writer.allocateMany(Array.from({ length: Math.min(BATCH, HELD - i) }, (_, k) => body(BIG, i + k)));
    }
    // Churn: every fourth pod leaves, so the grid mixes held, free and recently released addresses.
    for (let i = 0; i < HELD; i += 4 * BATCH) {
      clock.advance(60_000);
      await writer.releaseMany(
        Array.from({ length: BATCH }, (_, k) => `c-${BIG.name}-${i + 4 * k}`).filter((_, k) => i + 4 * k < HELD),
      );
    }
    report(
      `built the big pool: 65,536 addresses, ${HELD} allocations and ${Math.ceil(HELD / 4)} releases through the decider in ${seconds(started)} s`,
    );
    started = performance.now();
    for (let i = 0; i < TENANCIES; i += 1) {
      clock.advance(60_000);
      await writer.allocate(body(LONG, i));
      clock.advance(5 * 60_000);
      await writer.release(`c-${LONG.name}-${i}`);
    }
    report(`built the long timeline: 10.70.0.5 held ${TENANCIES} times in turn, in ${seconds(started)} s`);
    await agent.runner.waitForCatchUp(60_000);
    report(`projection: ${(statSync(join(agent.dataDir, "projection.db")).size / 1e6).toFixed(1)} MB`);
    if (process.env.CONSOLE_BENCH_KEEP) cpSync(agent.dataDir, process.env.CONSOLE_BENCH_KEEP, { recursive: true });

    const server = await startConsole(["--data-dir", agent.dataDir], join(process.cwd(), "dist/src/cli/bin.js"));
    const chromium = await launchChromium();
    try {
      const page = await chromium.browser.newPage({ viewport: { width: 1280, height: 900 } });
      const api = async (path: string) => {
        const t0 = performance.now();
        const response = await fetch(server.url + path);
        const bytes = (await response.arrayBuffer()).byteLength;
        return `${(performance.now() - t0).toFixed(0)} ms, ${(bytes / 1024).toFixed(1)} KiB`;
      };
      const timed = async (label: string, path: string, selector: string) => {
        const runs: number[] = [];
        for (let run = 0; run < 3; run += 1) {
          const t0 = performance.now();
          await page.goto(server.url + path.slice(1));
          await page.waitForSelector(selector, { timeout: 120_000 });
          runs.push(performance.now() - t0);
        }
        runs.sort((a, b) => a - b);
        report(
          `${label}: median ${(runs[1] as number).toFixed(0)} ms (of 3: ${runs.map((r) => r.toFixed(0)).join(", ")} ms) from navigation to ${selector} shown`,
        );
      };
      const at = encodeURIComponent(clock.now().toISOString());
      report(`API /api/pool (grid of 65,536): ${await api(`api/pool?pool=10.64.0.0-15&at=${at}`)}`);
      report(`API /api/pool/utilisation: ${await api("api/pool/utilisation?pool=10.64.0.0-15")}`);
      report(`API /api/ip (${TENANCIES} tenancies, density): ${await api("api/ip?ip=10.70.0.5")}`);
      await timed("pool page, 65,536-address grid + utilisation", `/pool/10.64.0.0-15?at=${at}`, "#pool-grid");
      await timed(
        `IP page, ${TENANCIES} tenancies (density + first table page)`,
        "/ip/10.70.0.5",
        "table.holders tbody tr",
      );
      const from = new Date(clock.now().getTime() - 24 * 3_600_000).toISOString();
      await timed(
        "IP page zoomed to one day (bars)",
        `/ip/10.70.0.5?from=${encodeURIComponent(from)}&to=${at}`,
        "table.holders tbody tr",
      );
      await timed(
        "IP page, who-at cursor on the long timeline",
        `/ip/10.70.0.5?at=${encodeURIComponent(from)}`,
        "#who-at [data-holder]",
      );
      if (HELD !== FULL.held || TENANCIES !== FULL.tenancies) return;
      await page.goto(`${server.url}pool/10.64.0.0-15?at=${at}`);
      await page.waitForSelector("#pool-grid");
      await page.screenshot({ path: join(process.cwd(), "docs/images/console-big-pool.png"), fullPage: true });
      await page.goto(`${server.url}ip/10.70.0.5`);
      await page.waitForSelector("table.holders tbody tr");
      await page.screenshot({ path: join(process.cwd(), "docs/images/console-long-timeline.png") });
    } finally {
      await chromium.close();
      await server.stop();
    }
  } finally {
    await agent.close();
  }
}
