// The checks the plugin makes itself, before any request. Each test drives runPlugin through its
// injected `request` transport: that is the seam the design asks for (env, stdin, stdout and the
// transport are injected, as in CNI's pkg/skel). The real agent is exercised in test/e2e.
import { describe, expect, it } from "vitest";
import { MAX_STDIN_BYTES } from "../../../plugin/stdinReader.js";
import { SUPPORTED_VERSIONS } from "../../../plugin/versions.js";
import { cniEnv, networkConfig, printed, run } from "./pluginHarness.js";

describe("VERSION", () => {
  it("answers locally with stdin's cniVersion and the supported versions", async () => {
    const result = await run({ env: { CNI_COMMAND: "VERSION" }, stdin: '{"cniVersion":"1.0.0"}' });
    expect(result.code).toBe(0);
    expect(printed(result)).toEqual({ cniVersion: "1.0.0", supportedVersions: ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"] });
    expect(result.requests).toHaveLength(0);
    expect(result.stderr).toBe("");
  });

  it.each([
    ["empty stdin", ""],
    ["stdin that is not JSON", "{nope"],
    ["stdin without cniVersion", "{}"],
  ])("answers 1.1.0 for %s", async (_name, stdin) => {
    const result = await run({ env: { CNI_COMMAND: "VERSION" }, stdin });
    expect(result.code).toBe(0);
    expect(printed(result)).toEqual({ cniVersion: "1.1.0", supportedVersions: [...SUPPORTED_VERSIONS] });
  });
});

describe("CNI_COMMAND", () => {
  it.each([
    ["missing", undefined],
    ["empty", ""],
    ["unknown", "ATTACH"],
    ["lower case", "add"],
  ])("%s CNI_COMMAND is code 4 naming the variable", async (_name, command) => {
    const result = await run({ env: cniEnv({ CNI_COMMAND: command }) });
    expect(result.code).toBe(1);
    expect(printed(result)).toMatchObject({ cniVersion: "1.0.0", code: 4, msg: expect.stringContaining("CNI_COMMAND") });
    expect(result.requests).toHaveLength(0);
  });
});

describe("attachment variables", () => {
  it.each(["ADD", "DEL", "CHECK"])("%s without CNI_CONTAINERID and CNI_IFNAME is code 4 naming both", async (verb) => {
    const result = await run({ env: cniEnv({ CNI_COMMAND: verb, CNI_CONTAINERID: undefined, CNI_IFNAME: "" }) });
    expect(result.code).toBe(1);
    const error = printed(result);
    expect(error).toMatchObject({ code: 4 });
    expect(error["msg"]).toContain("CNI_CONTAINERID");
    expect(error["msg"]).toContain("CNI_IFNAME");
    expect(result.requests).toHaveLength(0);
  });

  it.each([
    ["CNI_CONTAINERID", { CNI_CONTAINERID: undefined }],
    ["CNI_IFNAME", { CNI_IFNAME: undefined }],
  ])("ADD without only %s names just that one", async (name, overrides) => {
    const result = await run({ env: cniEnv(overrides) });
    expect(printed(result)).toMatchObject({ code: 4, msg: expect.stringContaining(name) });
    expect(printed(result)["msg"]).not.toContain(name === "CNI_IFNAME" ? "CNI_CONTAINERID" : "CNI_IFNAME");
  });

  it.each(["GC", "STATUS"])("%s needs no attachment and sends empty strings", async (verb) => {
    const env = { CNI_COMMAND: verb, CNI_PATH: "/opt/cni/bin" };
    const result = await run({ env, stdin: JSON.stringify(networkConfig({ cniVersion: "1.1.0" })) });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.requests[0]?.body ?? "")).toMatchObject({ containerId: "", ifName: "", netns: "", args: "" });
  });
});

describe("stdin", () => {
  it("more than 1 MiB is code 7, without a request", async () => {
    const stdin = JSON.stringify(networkConfig({ padding: "x".repeat(MAX_STDIN_BYTES) }));
    const result = await run({ stdin });
    expect(result.code).toBe(1);
    expect(printed(result)).toMatchObject({ code: 7, msg: expect.stringContaining(String(MAX_STDIN_BYTES)) });
    expect(result.requests).toHaveLength(0);
  });

  it("exactly 1 MiB is accepted", async () => {
    const base = JSON.stringify(networkConfig());
    const stdin = base + " ".repeat(MAX_STDIN_BYTES - Buffer.byteLength(base));
    const result = await run({ stdin });
    expect(result.code).toBe(0);
    expect(result.requests).toHaveLength(1);
  });

  it("stops reading an endless stream soon after the cap", async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      for (;;) {
        pulled++;
        yield new Uint8Array(64 * 1024);
      }
    }
    const result = await run({ stdin: endless() });
    expect(printed(result)).toMatchObject({ code: 7 });
    expect(pulled).toBe(MAX_STDIN_BYTES / (64 * 1024) + 1);
  });

  it("a read error is code 5", async () => {
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield Buffer.from("{");
      throw new Error("EIO: i/o error, read");
    }
    const result = await run({ stdin: broken() });
    expect(printed(result)).toMatchObject({ code: 5, msg: expect.stringContaining("EIO") });
  });

  it("malformed JSON is code 6 carrying the parse error", async () => {
    const result = await run({ stdin: '{"cniVersion": "1.0.0",' });
    expect(result.code).toBe(1);
    const error = printed(result);
    expect(error["code"]).toBe(6);
    expect(error["msg"]).toMatch(/JSON/);
    expect(error["cniVersion"]).toBe("1.1.0");
    expect(result.requests).toHaveLength(0);
  });

  it.each([
    ["an array", "[]"],
    ["null", "null"],
    ["a number", "42"],
  ])("JSON that is %s is code 6", async (kind, stdin) => {
    const result = await run({ stdin });
    expect(printed(result)).toMatchObject({ code: 6, msg: expect.stringContaining(kind) });
  });
});

describe("cniVersion", () => {
  it.each([
    ["0.2.0", "0.2.0"],
    ["2.0.0", "2.0.0"],
    ["a number", 1],
    ["missing", undefined],
  ])("%s is code 1", async (_name, cniVersion) => {
    const result = await run({ stdin: JSON.stringify(networkConfig({ cniVersion })) });
    expect(result.code).toBe(1);
    expect(printed(result)).toMatchObject({ cniVersion: "1.1.0", code: 1, msg: expect.stringContaining("cniVersion") });
    expect(result.requests).toHaveLength(0);
  });

  it.each([
    ["GC", "1.0.0"],
    ["STATUS", "1.0.0"],
    ["GC", "0.4.0"],
    ["CHECK", "0.3.1"],
    ["CHECK", "0.3.0"],
  ])("%s with cniVersion %s is code 1 (the verb is newer)", async (verb, cniVersion) => {
    const result = await run({ env: cniEnv({ CNI_COMMAND: verb }), stdin: JSON.stringify(networkConfig({ cniVersion })) });
    expect(result.code).toBe(1);
    expect(printed(result)).toMatchObject({ cniVersion, code: 1, msg: expect.stringContaining(verb) });
    expect(result.requests).toHaveLength(0);
  });

  it.each([
    ["ADD", "0.3.0"],
    ["DEL", "0.3.1"],
    ["CHECK", "0.4.0"],
    ["CHECK", "1.0.0"],
    ["GC", "1.1.0"],
    ["STATUS", "1.1.0"],
  ])("%s with cniVersion %s is forwarded", async (verb, cniVersion) => {
    const result = await run({ env: cniEnv({ CNI_COMMAND: verb }), stdin: JSON.stringify(networkConfig({ cniVersion })) });
    expect(result.code).toBe(0);
    expect(result.requests).toHaveLength(1);
  });
});
