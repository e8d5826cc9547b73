import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { openSqliteEventLog } from "../../../ledger/log/sqliteEventLog.js";
import { createProjectionRunner } from "../../../projections/runner.js";
import { LOG_FILE } from "../../../src/agent.js";
import { createCniService, type CniService } from "../../../src/cni/cniService.js";
import { addOk, cni } from "../agent/agentCalls.js";
import { cniBody, type CniBodyOptions } from "../agent/cniBodies.js";
import { manualClock, type ManualClock } from "../agent/manualClock.js";
import { startTestAgent, type TestAgent } from "../agent/testAgent.js";
import { seededRandom } from "../seededRandom.js";

/** Re-exported: scenario callers replay a run from its seed. */
export { seededRandom };

/** A tenancy the driver knows happened, because it made it happen and read the CNI result. */
export interface ExpectedTenancy {
  readonly domain: string;
  readonly pool: string;
  readonly ip: string;
  readonly podNamespace: string;
  readonly podName: string;
  readonly podUid: string;
  readonly containerId: string;
  readonly node: string;
  readonly fromMs: number;
  toMs: number | null;
  endReason: string | null;
}

/** The networks of the scenario (NetworkAttachmentDefinitions): two overlapping pools in domain "", the same range again in domain "blue". */
export const NETWORKS = {
  main: { name: "main", pool: "10.30.0.0-24", domain: "", ipam: { range: "10.30.0.0/24", range_end: "10.30.0.12" } },
  narrow: {
    name: "narrow",
    pool: "10.30.0.0-26",
    domain: "",
    ipam: { range: "10.30.0.0/26", range_end: "10.30.0.16" },
  },
  blue: {
    name: "blue",
    pool: "blue-10.30.0.0-24",
    domain: "blue",
    ipam: { range: "10.30.0.0/24", range_end: "10.30.0.12", network_name: "blue" },
  },
  skew: {
    name: "skew",
    pool: "skew-10.40.0.0-24",
    domain: "skew",
    ipam: { range: "10.40.0.0/24", network_name: "skew" },
  },
} as const;
export type NetworkName = keyof typeof NETWORKS;

export const SCENARIO_START_MS = Date.parse("2026-03-02T00:00:00Z");
const MINUTE = 60_000;
const SKEW_MS = 5 * MINUTE;

/** Known answers of the stories told on top of the churn. */
export interface Stories {
  readonly statefulSet: { readonly ip: string; readonly uids: readonly string[]; readonly recreatedMs: number };
  readonly adoption: { readonly ip: string; readonly from: string; readonly to: string; readonly atMs: number };
  readonly gc: { readonly ip: string; readonly containerId: string; readonly atMs: number };
  readonly redefinedMs: number;
  /** Writer B's clock runs 5 minutes slow, writer C's 5 minutes fast; A's is right. */
  readonly skew: {
    readonly slowIp: string;
    /** A's clock when B allocated and when A released B's address. */
    readonly slowAddMs: number;
    readonly slowDelMs: number;
    /** The effective time of B's allocation: A's last event before it, since effective time never goes backwards. */
    readonly slowEffectiveFromMs: number;
    readonly fastIp: string;
    readonly fastAddMs: number;
    readonly fastDelMs: number;
  };
}

export interface AuditScenario {
  readonly agent: TestAgent;
  readonly clock: ManualClock;
  readonly expected: ExpectedTenancy[];
  readonly stories: Stories;
  readonly endMs: number;
  close(): Promise<void>;
}

interface Pod {
  readonly network: NetworkName;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly containerId: string;
}

/** A second agent on the same embedded log: its own connection, fold and clock, as a second node would be. */
export async function startExtraWriter(
  dataDir: string,
  node: string,
  now: () => Date,
): Promise<{ service: CniService; catchUp: () => Promise<void>; close: () => Promise<void> }> {
  const log = openSqliteEventLog({ path: join(dataDir, LOG_FILE), pollIntervalMs: 20 });
  const runner = createProjectionRunner({ log });
  await runner.start();
  await runner.waitForCatchUp(10_000);
  const service = createCniService({ log, runner, node, now });
  return {
    service,
    catchUp: () => runner.waitForCatchUp(10_000),
    close: async () => {
      await runner.stop();
      await log.close();
    },
  };
}

type Networks = { [K in NetworkName]: { name: string; pool: string; domain: string; ipam: Record<string, unknown> } };
type BodyOf = (pod: Pod, extra?: Partial<CniBodyOptions>) => ReturnType<typeof cniBody>;

function bodiesFor(networks: Networks): BodyOf {
  return (pod, extra = {}) => {
    const network = networks[pod.network];
    return cniBody({
      name: network.name,
      ipam: { ...network.ipam },
      pod: { namespace: pod.namespace, name: pod.name, uid: pod.uid },
      containerId: pod.containerId,
      ...extra,
    });
  };
}

/**
 * Builds the auditor's scenario by driving the real agent (its HTTP API on a real SQLite log and
 * projection) with a simulated clock: four days of pod churn on a 12-address window (so addresses
 * are reused by many pods), overlapping pools in one domain, the same range in a second domain,
 * a StatefulSet pod re-created with its sticky address, an adoption by a new sandbox, a release
 * through CNI GC, a pool redefinition, and writers whose clocks disagree by five minutes.
 * Every tenancy the driver caused is recorded in `expected`, from the CNI results it read.
 *
 * @example const world = await buildAuditScenario(); … await world.close();
 */
export async function buildAuditScenario(seed = 6): Promise<AuditScenario> {
  const clock = manualClock(SCENARIO_START_MS);
  const agent = await startTestAgent({ node: "node-a", now: clock.now });
  const app: FastifyInstance = agent.app;
  const random = seededRandom(seed);
  const networks = structuredClone(NETWORKS) as unknown as Networks;
  const body = bodiesFor(networks);
  const expected: ExpectedTenancy[] = [];
  const alive: Pod[] = [];
  let serial = 0;

  const open = (pod: Pod, ip: string, node = "node-a") => {
    const network = networks[pod.network];
    expected.push({
      domain: network.domain,
      pool: network.pool,
      ip,
      podNamespace: pod.namespace,
      podName: pod.name,
      podUid: pod.uid,
      containerId: pod.containerId,
      node,
      fromMs: clock.now().getTime(),
      toMs: null,
      endReason: null,
    });
  };
  const close = (containerId: string, reason: string, atMs = clock.now().getTime()) => {
    const tenancy = expected.find((entry) => entry.containerId === containerId && entry.toMs === null);
    if (!tenancy) throw new Error(`scenario bug: ${containerId} holds nothing`);
    tenancy.toMs = atMs;
    tenancy.endReason = reason;
  };
  const start = async (
    network: NetworkName,
    name = `app-${++serial}`,
    uid = `uid-${name}-${serial}`,
    containerId = `c-${name}-${serial}`,
  ): Promise<{ pod: Pod; ip: string }> => {
    const pod: Pod = { network, namespace: "shop", name, uid, containerId };
    const [address] = await addOk(app, body(pod));
    const ip = (address as string).split("/")[0] as string;
    open(pod, ip);
    alive.push(pod);
    return { pod, ip };
  };
  const stop = async (pod: Pod): Promise<void> => {
    const reply = await cni(app, "del", body(pod));
    if (reply.status !== 200) throw new Error(`DEL failed: ${JSON.stringify(reply.body)}`);
    close(pod.containerId, "cni-del");
    alive.splice(alive.indexOf(pod), 1);
  };
  const countIn = (domain: string) => alive.filter((pod) => networks[pod.network].domain === domain).length;

  // Four days of churn, one step every 30 minutes.
  let redefinedMs = 0;
  for (let step = 0; step < 4 * 48; step += 1) {
    clock.advance(30 * MINUTE);
    if (step === 96) {
      // Day 3: the main NAD gains an exclude; the next ADD writes the new PoolDefined.
      networks.main.ipam.exclude = ["10.30.0.11"];
      redefinedMs = clock.now().getTime();
    }
    if (random() < 0.55 && countIn("") < 10) await start(random() < 0.2 ? "narrow" : "main");
    if (random() < 0.5 && countIn("") > 0)
      await stop(alive.filter((pod) => networks[pod.network].domain === "")[Math.floor(random() * countIn(""))] as Pod);
    if (random() < 0.2 && countIn("blue") < 6) await start("blue");
    if (random() < 0.15 && countIn("blue") > 0)
      await stop(alive.filter((pod) => pod.network === "blue")[Math.floor(random() * countIn("blue"))] as Pod);
  }
  if (redefinedMs === 0) throw new Error("scenario bug: no redefinition");

  // A StatefulSet pod re-created: a new UID and sandbox, the same name, its sticky address back.
  clock.advance(10 * MINUTE);
  const web = await start("main", "web-0", "uid-web-0-a", "c-web-0-a");
  clock.advance(10 * MINUTE);
  await stop(web.pod);
  clock.advance(2 * MINUTE);
  const recreated = await start("main", "web-0", "uid-web-0-b", "c-web-0-b");
  if (recreated.ip !== web.ip) throw new Error(`sticky did not give web-0 ${web.ip} back (got ${recreated.ip})`);
  const statefulSet = { ip: web.ip, uids: ["uid-web-0-a", "uid-web-0-b"], recreatedMs: clock.now().getTime() };

  // A new sandbox of the same pod and interface takes the address over (AllocationAdopted).
  clock.advance(10 * MINUTE);
  const db = await start("main", "db-0", "uid-db-0", "c-db-0-a");
  clock.advance(10 * MINUTE);
  const sandbox: Pod = { ...db.pod, containerId: "c-db-0-b" };
  const [adopted] = await addOk(app, body(sandbox));
  if ((adopted as string).split("/")[0] !== db.ip) throw new Error("adoption gave another address");
  close("c-db-0-a", "adopted");
  open(sandbox, db.ip);
  alive.splice(alive.indexOf(db.pod), 1, sandbox);
  const adoption = { ip: db.ip, from: "c-db-0-a", to: "c-db-0-b", atMs: clock.now().getTime() };

  // CNI GC: the runtime lists its valid attachments; the one missing is released (cni-gc).
  clock.advance(10 * MINUTE);
  const orphan = await start("main", "orphan-0", "uid-orphan-0", "c-orphan-0");
  clock.advance(10 * MINUTE);
  const valid = alive
    .filter((pod) => networks[pod.network].domain === "" && pod !== orphan.pod)
    .map((pod) => ({ containerID: pod.containerId, ifname: "net1" }));
  const gcReply = await cni(
    app,
    "gc",
    body(orphan.pod, { containerId: "", ifName: "", config: { "cni.dev/valid-attachments": valid } }),
  );
  if (gcReply.status !== 200 || (gcReply.body as { released?: number }).released !== 1)
    throw new Error(`GC released ${JSON.stringify(gcReply.body)}`);
  close("c-orphan-0", "cni-gc");
  alive.splice(alive.indexOf(orphan.pod), 1);
  const gc = { ip: orphan.ip, containerId: "c-orphan-0", atMs: clock.now().getTime() };

  const skew = await tellSkewStory(agent, clock, app, expected, body);
  await agent.runner.waitForCatchUp(10_000);
  return {
    agent,
    clock,
    expected,
    stories: { statefulSet, adoption, gc, redefinedMs, skew },
    endMs: clock.now().getTime(),
    close: () => agent.close(),
  };
}

/**
 * Writers whose clocks disagree by minutes, in a domain of their own ("skew"), through three
 * agents on one log: A (right clock), B (5 min slow), C (5 min fast). Effective time never goes
 * backwards within a domain, so B's events take effect at A's last time and, once C has written,
 * everyone's events take effect at C's time until the real clocks pass it.
 */
async function tellSkewStory(
  agent: TestAgent,
  clock: ManualClock,
  app: FastifyInstance,
  expected: ExpectedTenancy[],
  body: BodyOf,
): Promise<Stories["skew"]> {
  const slow = await startExtraWriter(agent.dataDir, "node-b", () => new Date(clock.now().getTime() - SKEW_MS));
  const fast = await startExtraWriter(agent.dataDir, "node-c", () => new Date(clock.now().getTime() + SKEW_MS));
  try {
    const pod = (name: string): Pod => ({
      network: "skew",
      namespace: "skew",
      name,
      uid: `uid-${name}`,
      containerId: `c-${name}`,
    });
    const record = (p: Pod, ip: string, node: string, fromMs: number) =>
      expected.push({
        domain: "skew",
        pool: NETWORKS.skew.pool,
        ip,
        podNamespace: p.namespace,
        podName: p.name,
        podUid: p.uid,
        containerId: p.containerId,
        node,
        fromMs,
        toMs: null,
        endReason: null,
      });
    const ipOf = (result: Record<string, unknown>) =>
      ((result.ips as { address: string }[])[0]?.address ?? "").split("/")[0] as string;
    const settle = () => agent.runner.waitForCatchUp(10_000);

    clock.advance(60 * MINUTE);
    const anchor = pod("anchor-0");
    const [anchorAddress] = await addOk(app, body(anchor));
    const anchorMs = clock.now().getTime();
    record(anchor, (anchorAddress as string).split("/")[0] as string, "node-a", anchorMs);

    // B (slow) allocates one minute later by the real clock; it writes a time 4 minutes before A's last event.
    await slow.catchUp();
    clock.advance(MINUTE);
    const slowPod = pod("slow-0");
    const slowIp = ipOf((await slow.service.add(body(slowPod))).result);
    const slowAddMs = clock.now().getTime();
    record(slowPod, slowIp, "node-b", anchorMs);
    await settle();
    clock.advance(MINUTE);
    await cni(app, "del", body(slowPod));
    const slowDelMs = clock.now().getTime();
    closeExpected(expected, slowPod.containerId, slowDelMs, "cni-del");

    // C (fast) allocates; its clock says 5 minutes ahead, and that time becomes the domain's.
    await fast.catchUp();
    clock.advance(MINUTE);
    const fastPod = pod("fast-0");
    const fastIp = ipOf((await fast.service.add(body(fastPod))).result);
    const fastAddMs = clock.now().getTime();
    record(fastPod, fastIp, "node-c", fastAddMs + SKEW_MS);
    await settle();
    // A releases it two minutes later by its own clock: still before C's time, so it takes effect at C's time.
    clock.advance(2 * MINUTE);
    await cni(app, "del", body(fastPod));
    const fastDelMs = clock.now().getTime();
    closeExpected(expected, fastPod.containerId, fastAddMs + SKEW_MS, "cni-del");
    await settle();
    return { slowIp, slowAddMs, slowDelMs, slowEffectiveFromMs: anchorMs, fastIp, fastAddMs, fastDelMs };
  } finally {
    await slow.close();
    await fast.close();
  }
}

function closeExpected(expected: ExpectedTenancy[], containerId: string, atMs: number, reason: string): void {
  const tenancy = expected.find((entry) => entry.containerId === containerId && entry.toMs === null);
  if (!tenancy) throw new Error(`scenario bug: ${containerId} holds nothing`);
  tenancy.toMs = atMs;
  tenancy.endReason = reason;
}
