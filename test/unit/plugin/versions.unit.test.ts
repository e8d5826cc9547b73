import { describe, expect, it } from "vitest";
import { compareVersions, requireVersionFor, type SupportedVersion, type Verb } from "../../../plugin/versions.js";

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
    if (allowed) expect(attempt()).toBe(version as SupportedVersion);
    else expect(attempt).toThrow(expect.objectContaining({ cniCode: 1 }));
  });
});
