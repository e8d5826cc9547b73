import { rmSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Holder } from "../../projections/sqlite/queries.js";
import { startAgent, type Agent } from "../../src/agent.js";
import { httpJson } from "../support/agent/agentCalls.js";
import { AUDITOR_TOKEN, freshDir, writeTokenFile } from "../support/agent/agentFiles.js";
import { cniBody } from "../support/agent/cniBodies.js";
import { eventually } from "../support/agent/eventually.js";
import { ipledgerJson } from "../support/cli/spawnedCli.js";
import { chromiumInstalled, launchChromium, type TestBrowser } from "../support/console/browser.js";
import { startConsole, type ConsoleProcess } from "../support/console/consoleProcess.js";
import { deleteTopics, freshTopic, kafkaBrokers, openTestKafkaLog, requireKafka } from "../support/kafka/kafkaEnv.js";

// The console over its other sources, in Debian's Chromium: served by a real agent under its TCP
// listener (/console/, the auditor's token), and `ipledger console --kafka` replaying a real
// broker's topic. One agent feeds both: on Kafka when a broker is configured (so the two pages
// read the same ledger), else on its embedded SQLite log and the Kafka case skips.
const MISSING = !chromiumInstalled();
if (MISSING && process.env.CI)
  throw new Error("Debian's chromium is missing: .ci/run installs it (apt-get install -y chromium)");
if (MISSING)
  console.warn("SKIPPING the console's browser tests: install Debian's chromium (apt-get install -y chromium)");
const hasKafka = MISSING ? false : requireKafka("consoleSources.browser.test.ts");

const RANGE = { range: "10.71.0.0/24", range_start: "10.71.0.5", range_end: "10.71.0.5" };
const topic = freshTopic("console");
let dir: string;
let agent: Agent;
let chromium: TestBrowser;
let page: Page;
let ip = "";
let between = "";

const call = async (verb: "add" | "del", name: string) => {
  const reply = await httpJson({ socketPath: agent.socketPath }, "POST", `/v1/cni/${verb}`, {
    body: cniBody({ name: "sources", ipam: RANGE, pod: { namespace: "audit", name } }),
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return ((reply.body.ips as { address: string }[] | undefined)?.[0]?.address ?? "").split("/")[0] as string;
};
const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));
const shownHolders = () =>
  page.$$eval("#who-at [data-holder]", (items) =>
    items.map((item) => item.getAttribute("data-holder")).filter((id) => id !== ""),
  );

// Skips only outside CI when Debian's chromium is missing (a loud warning above); with CI set the file throws instead.
describe.skipIf(MISSING)("the console over the agent's listener and over Kafka", { timeout: 180_000 }, () => {
  beforeAll(async () => {
    dir = freshDir("ipledger-console-sources-");
    agent = await startAgent({
      dataDir: join(dir, "data"),
      socket: join(dir, "agent.sock"),
      node: "node-console",
      quiet: true,
      listen: "127.0.0.1:0",
      tokenFile: writeTokenFile(dir),
      ...(hasKafka ? { log: await openTestKafkaLog(topic, { createTopic: true }) } : {}),
    });
    // Given: a-0 holds the address, leaves, and a-1 takes it (two tenancies on one address).
    ip = await call("add", "a-0");
    await pause(20);
    between = new Date().toISOString();
    await pause(20);
    await call("del", "a-0");
    await call("add", "a-1");
    chromium = await launchChromium();
    page = await chromium.browser.newPage({ viewport: { width: 1280, height: 900 } });
  }, 240_000);
  afterAll(async () => {
    await chromium?.close();
    await agent?.close();
    if (hasKafka) await deleteTopics([topic]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("the agent's TCP listener serves it under /console/: refused without a token, who-at agrees with ipledger who", async () => {
    const base = `${agent.tcpAddress as string}/console`;
    const api = `${base}/api/who?ip=${ip}&at=${encodeURIComponent(between)}`;
    expect((await fetch(api)).status).toBe(401);
    // The console reads a snapshot of the agent's projection renewed every 5 s: wait for the ADDs.
    await eventually(
      async () =>
        (await (await fetch(api, { headers: { authorization: `Bearer ${AUDITOR_TOKEN}` } })).json()) as {
          holders?: unknown[];
        },
      (body: { holders?: unknown[] }) => (body.holders?.length ?? 0) > 0,
      30_000,
      "the agent's console to show the ADD",
    );
    await page.goto(`${base}/ip/${ip}?at=${encodeURIComponent(between)}`);
    await page.fill("form.login input[name=token]", AUDITOR_TOKEN);
    await page.click("form.login button[type=submit]");
    await page.waitForSelector("#who-at [data-holder]");
    const cli = await ipledgerJson<{ holders: Holder[] }>([
      "who",
      ip,
      "--at",
      between,
      "--data-dir",
      join(dir, "data"),
    ]);
    expect(cli.holders.map((h) => h.containerId)).toEqual(["c-a-0"]);
    expect(await shownHolders()).toEqual(["c-a-0"]);
    // Links stay under the mount, and the token is in no URL.
    await page.click("nav >> text=Changes");
    await page.waitForURL(`${base}/changes`);
    await page.waitForSelector("h1#page-title");
    expect(page.url()).not.toContain(AUDITOR_TOKEN);
  });

  // Skips only outside CI, loudly, when no broker is configured; with CI set requireKafka fails the file instead.
  it.skipIf(!hasKafka)("ipledger console --kafka shows the IP's timeline and who-at as ipledger who --at", async () => {
    const kafka = ["--kafka", kafkaBrokers.join(","), "--topic", topic];
    const server: ConsoleProcess = await startConsole(kafka);
    try {
      const history = await ipledgerJson<{ holders: Holder[] }>(["history", "--ip", ip, ...kafka]);
      expect(history.holders.map((h) => h.containerId)).toEqual(["c-a-0", "c-a-1"]);
      await page.goto(`${server.url}ip/${ip}`);
      await page.waitForSelector("table.holders tbody tr");
      const rows = await page.$$eval("table.holders tbody tr", (trs) =>
        trs.map((tr) => tr.getAttribute("data-container")),
      );
      expect(rows).toEqual(history.holders.map((h) => h.containerId));
      for (const instant of [between, history.holders[1]?.from as string]) {
        const who = await ipledgerJson<{ holders: Holder[] }>(["who", ip, "--at", instant, ...kafka]);
        await page.goto(`${server.url}ip/${ip}?at=${encodeURIComponent(instant)}`);
        await page.waitForSelector("#who-at [data-holder]");
        expect(await shownHolders(), `who ${ip} --at ${instant}`).toEqual(who.holders.map((h) => h.containerId));
      }
    } finally {
      await server.stop();
    }
  });
});
