import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { LATEST_VERSION, SUPPORTED_VERSIONS } from "../../../../plugin/cniVersions.js";
import { compareVersions, requireVersionFor, type Verb } from "../../../../src/cni/execVersions.js";

describe("compareVersions", () => {
  it.each([
    ["0.3.0", "0.3.1", -1],
    ["0.4.0", "0.3.1", 1],
    ["1.0.0", "0.4.0", 1],
    ["1.1.0", "1.1.0", 0],
  ] as const)("%s vs %s is %i", (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
  });
});

describe("requireVersionFor", () => {
  it.each([
    ["ADD", "0.3.0", true],
    ["DEL", "1.1.0", true],
    ["CHECK", "0.3.1", false],
    ["CHECK", "0.4.0", true],
    ["GC", "1.0.0", false],
    ["GC", "1.1.0", true],
    ["STATUS", "0.4.0", false],
    ["STATUS", "1.1.0", true],
    ["ADD", "0.2.0", false],
    ["ADD", "1.2.0", false],
  ] as const)("%s at %s is allowed: %s", (verb: Verb, version: string, allowed: boolean) => {
    const attempt = () => requireVersionFor(verb, version);
    if (allowed) expect(attempt()).toBe(version);
    else expect(attempt).toThrow(expect.objectContaining({ cniCode: 1 }));
  });
});

describe("the one list of versions", () => {
  it("is plugin/native/versions.json, which the Go pipe embeds and the agent reads", () => {
    const file = JSON.parse(
      readFileSync(new URL("../../../../plugin/native/versions.json", import.meta.url), "utf8"),
    ) as {
      supportedVersions: string[];
    };
    expect(SUPPORTED_VERSIONS).toEqual(file.supportedVersions);
    expect(LATEST_VERSION).toBe(file.supportedVersions.at(-1));
    expect(readFileSync(new URL("../../../../plugin/native/main.go", import.meta.url), "utf8")).toContain(
      "//go:embed versions.json",
    );
  });
});
