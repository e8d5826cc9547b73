import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CniRequestBody } from "../../../src/cni/cniRequest.js";
import { addOk, expectLedgerSound, type CniErrorBody } from "../../support/agent/agentCalls.js";
import { cniBody, podArgs } from "../../support/agent/cniBodies.js";
import { startTestAgent, type TestAgent } from "../../support/agent/testAgent.js";

// Bad input never reaches the log: every case must answer a CNI error with the right code and a
// message that names the key at fault and says what to do, and the log's end offsets must not move.

let agent: TestAgent;

beforeAll(async () => {
  agent = await startTestAgent();
  // A pool that exists and an address that is held, so bad requests meet a non-empty ledger.
  await addOk(agent.app, cniBody({ pod: { name: "seed" } }));
});

afterAll(async () => {
  try {
    await expectLedgerSound(agent.log, agent.projection);
  } finally {
    await agent.close();
  }
});

interface BadCase {
  readonly name: string;
  readonly verb?: string;
  /** A body object, or raw text sent as application/json. */
  readonly payload: CniRequestBody | string;
  readonly status: number;
  readonly code: number;
  /** Strings the `details` must contain: the key at fault, the offending value. */
  readonly names: readonly string[];
  /** What the message must tell the user to do. */
  readonly advice: RegExp;
}

const pod = { name: "bad" };
const add = (ipam: Record<string, unknown>, extra: Parameters<typeof cniBody>[0] = {}) =>
  cniBody({ pod, ...extra, ipam: { ...extra.ipam, ...ipam } });
const withConfig = (config: Record<string, unknown>): CniRequestBody => ({ ...cniBody({ pod }), config });
const base = cniBody({ pod }).config as Record<string, unknown>;
const CONFIG_HINT =
  /write e\.g\.|see the configuration keys|use at most|must|add one|add e\.g\.|put it under|only serves/;
const SHRINK = /remove or shorten it/;

/** A raw ADD body whose `ipam` carries `inner` (JSON text) under `key`: for documents too deep to build as objects. */
const rawAdd = (key: string, inner: string, where: "ipam" | "config" = "ipam"): string => {
  const ipam = `{"type":"ipledger","range":"10.10.0.0/24"${where === "ipam" ? `,${JSON.stringify(key)}:${inner}` : ""}}`;
  const config = `{"cniVersion":"1.0.0","name":"int-net","type":"bridge","ipam":${ipam}${where === "config" ? `,${JSON.stringify(key)}:${inner}` : ""}}`;
  return `{"config":${config},"containerId":"c-bad","ifName":"net1","netns":"/var/run/netns/bad","args":"IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=bad"}`;
};
const nested = (levels: number): string => `${"[".repeat(levels)}${"]".repeat(levels)}`;

const cases: BadCase[] = [
  {
    name: "malformed JSON body",
    payload: '{"config": {"cniVersion": "1.0.0",',
    status: 400,
    code: 6,
    names: ["not valid JSON"],
    advice: /JSON/,
  },
  {
    name: "missing ipam",
    payload: withConfig({ ...base, ipam: undefined }),
    status: 400,
    code: 7,
    names: ['"ipam"'],
    advice: /add one with "type": "ipledger"/,
  },
  {
    name: "ipam a string",
    payload: withConfig({ ...base, ipam: "ipledger" }),
    status: 400,
    code: 7,
    names: ["ipam"],
    advice: /must be a JSON object/,
  },
  {
    name: "ipam.type not ipledger",
    payload: add({ type: "whereabouts" }),
    status: 400,
    code: 7,
    names: ["ipam.type", "whereabouts"],
    advice: /only serves "ipledger"/,
  },
  {
    name: "range not a CIDR",
    payload: add({ range: "banana" }),
    status: 400,
    code: 7,
    names: ["ipam.range", "banana"],
    advice: /write e\.g\./,
  },
  {
    name: "range with prefix /33",
    payload: add({ range: "10.10.0.0/33" }),
    status: 400,
    code: 7,
    names: ["ipam.range", "10.10.0.0/33"],
    advice: /write e\.g\./,
  },
  ...["10.10.0.0/31", "10.10.0.1/32", "fd00::/127", "fd00::1/128"].map((range) => ({
    name: `range ${range} too small`,
    payload: add({ range }),
    status: 400,
    code: 7,
    names: ["ipam.range", "no usable addresses"],
    advice: /use at most \/(30|126)/,
  })),
  {
    name: "range_end not an IP",
    payload: add({ range_end: "10.10.0.300" }),
    status: 400,
    code: 7,
    names: ["ipam.range_end", "10.10.0.300"],
    advice: /is not an IP address/,
  },
  {
    name: "IPv4 range_start in an IPv6 range",
    payload: add({ range: "fd00:10::/120", range_start: "10.0.0.5" }),
    status: 400,
    code: 7,
    names: ["ipam.range_start", "10.0.0.5"],
    advice: /the range is IPv6/,
  },
  {
    name: "garbage exclude entry",
    payload: add({ exclude: ["not-an-ip"] }),
    status: 400,
    code: 7,
    names: ["ipam.exclude[0]", "not-an-ip"],
    advice: /not a CIDR, an IP or a range/,
  },
  {
    name: "exclude of the wrong family",
    payload: add({ exclude: ["10.10.0.9/32", "fd00::/64"] }),
    status: 400,
    code: 7,
    names: ["ipam.exclude[1]", "fd00::/64"],
    advice: /put it under its ipRanges entry/,
  },
  {
    name: "dash range with start outside the CIDR",
    payload: add({ range: "192.168.1.5-192.168.2.25/28" }),
    status: 400,
    code: 7,
    names: ["ipam.range", "192.168.1.5", "192.168.2.16/28"],
    advice: /must lie in the CIDR/,
  },
  {
    name: "exclude not an array",
    payload: add({ exclude: "10.10.0.9/32" }),
    status: 400,
    code: 7,
    names: ["ipam.exclude", "array"],
    advice: CONFIG_HINT,
  },
  {
    name: "gateway not an IP",
    payload: add({ gateway: "router" }),
    status: 400,
    code: 7,
    names: ["ipam.gateway", "router"],
    advice: CONFIG_HINT,
  },
  {
    name: "routes[0].dst not a CIDR",
    payload: add({ routes: [{ dst: "10.20.0.0" }] }),
    status: 400,
    code: 7,
    names: ["ipam.routes[0].dst", "10.20.0.0"],
    advice: CONFIG_HINT,
  },
  {
    name: "addresses[0].address not a CIDR",
    payload: add({ addresses: [{ address: "10.99.0.5" }] }),
    status: 400,
    code: 7,
    names: ["ipam.addresses[0].address", "10.99.0.5"],
    advice: CONFIG_HINT,
  },
  {
    name: "reuse_cooldown_seconds negative",
    payload: add({ reuse_cooldown_seconds: -5 }),
    status: 400,
    code: 7,
    names: ["ipam.reuse_cooldown_seconds", "-5"],
    advice: CONFIG_HINT,
  },
  {
    name: "sticky a string",
    payload: add({ sticky: "yes" }),
    status: 400,
    code: 7,
    names: ["ipam.sticky", "boolean"],
    advice: CONFIG_HINT,
  },
  {
    name: "no range and no ipRanges",
    payload: add({ range: undefined }),
    status: 400,
    code: 7,
    names: ["ipam", '"range"', '"ipRanges"'],
    advice: /add e\.g\. "range"/,
  },
  {
    name: "ipRanges[1].range bad",
    payload: add({ range: undefined, ipRanges: [{ range: "10.11.0.0/24" }, { range: "10.11.1.0/99" }] }),
    status: 400,
    code: 7,
    names: ["ipam.ipRanges[1].range", "10.11.1.0/99"],
    advice: /write e\.g\./,
  },
  {
    name: "unsupported cniVersion 0.2.0",
    payload: cniBody({ pod, cniVersion: "0.2.0" }),
    status: 400,
    code: 1,
    names: ["cniVersion", "0.2.0"],
    advice: /use one of .*1\.0\.0/,
  },
  {
    name: "unknown verb",
    verb: "frobnicate",
    payload: cniBody({ pod }),
    status: 404,
    code: 4,
    names: ["CNI verb", "frobnicate"],
    advice: /use one of add, del, check, gc, status/,
  },
  {
    name: "ADD without containerId",
    payload: cniBody({ pod, containerId: "" }),
    status: 400,
    code: 4,
    names: ["CNI_CONTAINERID"],
    advice: /missing/,
  },
  {
    name: "ADD with an invalid containerId",
    payload: cniBody({ pod, containerId: "-x/../y" }),
    status: 400,
    code: 4,
    names: ["CNI_CONTAINERID", "-x/../y"],
    advice: /must start with a letter or digit/,
  },
  {
    name: "ADD without ifName",
    payload: cniBody({ pod, ifName: "" }),
    status: 400,
    code: 4,
    names: ["CNI_IFNAME"],
    advice: /missing/,
  },
  {
    name: "malformed CNI_ARGS pair",
    payload: cniBody({ pod, args: "IgnoreUnknown=1;K8S_POD_NAME" }),
    status: 400,
    code: 7,
    names: ["CNI_ARGS", "K8S_POD_NAME"],
    advice: /use one "=" per pair/,
  },
  {
    name: "requested IP not an IP",
    payload: cniBody({ pod, runtimeConfig: { ips: ["ten.ten.0.5/24"] } }),
    status: 400,
    code: 7,
    names: ["requested address", "ten.ten.0.5"],
    advice: /not an IP address/,
  },
  {
    name: "requested ips not a list",
    payload: cniBody({ pod, runtimeConfig: { ips: "10.10.0.5/24" } }),
    status: 400,
    code: 7,
    names: ["requested ips"],
    advice: /must be a list of strings/,
  },
  {
    name: "requested IP outside every range",
    payload: cniBody({ pod, args: podArgs(pod, { IP: "172.16.0.9/24" }) }),
    status: 422,
    code: 102,
    names: ["requested address", "172.16.0.9", "10.10.0.0/24"],
    advice: /ask for an address inside one of them/,
  },
  {
    name: "two requested IPs in one range",
    payload: cniBody({ pod, runtimeConfig: { ips: ["10.10.0.5/24", "10.10.0.6/24"] } }),
    status: 400,
    code: 7,
    names: ["two requested addresses", "10.10.0.0/24"],
    advice: /one address per interface/,
  },
  {
    name: "DEL with a bad range",
    verb: "del",
    payload: add({ range: "10.10.0.0/33" }),
    status: 400,
    code: 7,
    names: ["ipam.range"],
    advice: /write e\.g\./,
  },
  {
    name: "DEL with ipam.type not ipledger",
    verb: "del",
    payload: add({ type: "host-local" }),
    status: 400,
    code: 7,
    names: ["ipam.type"],
    advice: /only serves "ipledger"/,
  },
  {
    name: "DEL without containerId",
    verb: "del",
    payload: cniBody({ pod, containerId: "" }),
    status: 400,
    code: 4,
    names: ["CNI_CONTAINERID"],
    advice: /missing/,
  },
  // Shape and size: a document no real config has is refused before any key is read.
  {
    name: "ipam.dns holding 100 000 nested levels",
    payload: rawAdd("dns", `{"nested":${nested(100_000)}}`),
    status: 400,
    code: 7,
    names: ["config.ipam.dns.nested[0]", "nests deeper than 32 levels"],
    advice: SHRINK,
  },
  {
    name: "an unknown config key holding 100 000 nested levels",
    payload: rawAdd("x-vendor", nested(100_000), "config"),
    status: 400,
    code: 7,
    names: ["config.x-vendor[0]", "nests deeper than 32 levels"],
    advice: SHRINK,
  },
  {
    name: "ipam.dns.options nested objects",
    payload: add({ dns: { options: [[["ndots:5"]]] } }),
    status: 400,
    code: 7,
    names: ["ipam.dns.options[0]", "string"],
    advice: CONFIG_HINT,
  },
  {
    name: "an unknown config key holding a 5 000-entry array",
    payload: withConfig({ ...base, "x-vendor": Array.from({ length: 5_000 }, (_, i) => i) }),
    status: 400,
    code: 7,
    names: ["config.x-vendor", "more than 4096 entries"],
    advice: SHRINK,
  },
  {
    name: "runtimeConfig nested 10 000 levels",
    payload: `{"config":${JSON.stringify(base)},"containerId":"c-bad","ifName":"net1","args":"IgnoreUnknown=1;K8S_POD_NAME=bad","runtimeConfig":{"ips":${nested(10_000)}}}`,
    status: 400,
    code: 7,
    names: ["runtimeConfig.ips[0]", "nests deeper"],
    advice: SHRINK,
  },
  {
    name: "exclude with 2 000 entries",
    payload: add({ exclude: Array.from({ length: 2_000 }, (_, i) => `10.10.${Math.floor(i / 250)}.${i % 250}`) }),
    status: 400,
    code: 7,
    names: ["ipam.exclude", "at most 1024 entries"],
    advice: CONFIG_HINT,
  },
  {
    name: "a 20 000-character range",
    payload: add({ range: `10.10.0.0/24${" ".repeat(20_000)}` }),
    status: 400,
    code: 7,
    names: ["config.ipam.range", "longer than 16384 characters"],
    advice: SHRINK,
  },
  {
    name: "dns an array",
    payload: add({ dns: ["10.0.0.53"] }),
    status: 400,
    code: 7,
    names: ["ipam.dns", "object"],
    advice: CONFIG_HINT,
  },
  {
    name: "dns.nameservers a string",
    payload: add({ dns: { nameservers: "10.0.0.53" } }),
    status: 400,
    code: 7,
    names: ["ipam.dns.nameservers", "array"],
    advice: CONFIG_HINT,
  },
  {
    name: "dns.nameservers[0] not an IP",
    payload: add({ dns: { nameservers: ["resolver.local"] } }),
    status: 400,
    code: 7,
    names: ["ipam.dns.nameservers[0]", "resolver.local"],
    advice: CONFIG_HINT,
  },
  {
    name: "dns with a key CNI does not define",
    payload: add({ dns: { nameservers: ["10.0.0.53"], payload: { any: "thing" } } }),
    status: 400,
    code: 7,
    names: ["ipam.dns", '"payload"'],
    advice: /only the keys of its CNI type/,
  },
  {
    name: "routes an object",
    payload: add({ routes: { dst: "0.0.0.0/0" } }),
    status: 400,
    code: 7,
    names: ["ipam.routes", "array"],
    advice: CONFIG_HINT,
  },
  {
    name: "routes[0] with a key CNI does not define",
    payload: add({ routes: [{ dst: "0.0.0.0/0", via: [1, 2, 3] }] }),
    status: 400,
    code: 7,
    names: ["ipam.routes[0]", '"via"'],
    advice: /only the keys of its CNI type/,
  },
  {
    name: "routes[0].gw not an IP",
    payload: add({ routes: [{ dst: "0.0.0.0/0", gw: "router" }] }),
    status: 400,
    code: 7,
    names: ["ipam.routes[0].gw", "router"],
    advice: CONFIG_HINT,
  },
  {
    name: "routes[0].mtu a string",
    payload: add({ routes: [{ dst: "0.0.0.0/0", mtu: "1500" }] }),
    status: 400,
    code: 7,
    names: ["ipam.routes[0].mtu", "number"],
    advice: CONFIG_HINT,
  },
  {
    name: "addresses[0] with a key CNI does not define",
    payload: add({ addresses: [{ address: "10.99.0.5/24", extra: true }] }),
    status: 400,
    code: 7,
    names: ["ipam.addresses[0]", '"extra"'],
    advice: /only the keys of its CNI type/,
  },
  // Bounds and gateways.
  {
    name: "range_start greater than range_end",
    payload: add({ range_start: "10.10.0.50", range_end: "10.10.0.10" }),
    status: 400,
    code: 7,
    names: ["ipam.range_start 10.10.0.50", "ipam.range_end 10.10.0.10"],
    advice: /swap them or leave one out/,
  },
  {
    name: "a dash range written backwards",
    payload: add({ range: "10.10.0.50-10.10.0.10/24" }),
    status: 400,
    code: 7,
    names: ["ipam.range", "past its end 10.10.0.10"],
    advice: /first ≤ last/,
  },
  {
    name: "an ipRanges gateway of the other family",
    payload: add({ range: undefined, ipRanges: [{ range: "fd00:95::/64", gateway: "10.95.0.1" }] }),
    status: 400,
    code: 7,
    names: ["ipam.ipRanges[0].gateway", "10.95.0.1"],
    advice: /of its own family/,
  },
  {
    name: "requesting the gateway",
    payload: cniBody({ pod, ipam: { gateway: "10.10.0.254" }, runtimeConfig: { ips: ["10.10.0.254/24"] } }),
    status: 422,
    code: 103,
    names: ["10.10.0.254", "gateway of pool 10.10.0.0-24"],
    advice: /request another address/,
  },
  {
    name: "GC with valid-attachments not a list",
    verb: "gc",
    payload: cniBody({ pod, config: { "cni.dev/valid-attachments": "c-seed" } }),
    status: 400,
    code: 7,
    names: ["cni.dev/valid-attachments"],
    advice: /must be a list of \{containerID, ifname\}/,
  },
];

describe("bad CNI input", () => {
  it("covers at least 25 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases)(
    "$name → CNI code $code, nothing appended",
    async ({ verb = "add", payload, status, code, names, advice }) => {
      const before = await agent.logSize();
      const reply = await agent.app.inject({
        method: "POST",
        url: `/v1/cni/${verb}`,
        ...(typeof payload === "string" ? { payload, headers: { "content-type": "application/json" } } : { payload }),
      });
      const error = reply.json() as CniErrorBody;
      expect(reply.statusCode, reply.body).toBe(status);
      expect(error.code, reply.body).toBe(code);
      expect(error.msg).toEqual(expect.any(String));
      for (const name of names) expect(error.details).toContain(name);
      expect(error.details).toMatch(advice);
      expect(await agent.logSize()).toBe(before);
    },
  );

  it("refuses a body over 1 MiB with code 7 (HTTP 413) and appends nothing", async () => {
    const before = await agent.logSize();
    const payload = JSON.stringify({ ...cniBody({ pod }), padding: "x".repeat(1024 * 1024 + 1) });
    const reply = await agent.app.inject({
      method: "POST",
      url: "/v1/cni/add",
      payload,
      headers: { "content-type": "application/json" },
    });
    expect(reply.statusCode).toBe(413);
    expect(reply.json()).toMatchObject({
      code: 7,
      details: expect.stringMatching(/over 1048576 bytes; a CNI config must be smaller/),
    });
    expect(await agent.logSize()).toBe(before);
  });

  it("leaves the seeded allocation alone", async () => {
    expect(agent.queries.allocations().map((row) => `${row.podName}=${row.ip}`)).toEqual(["seed=10.10.0.1"]);
  });
});
