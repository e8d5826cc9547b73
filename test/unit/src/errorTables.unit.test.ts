import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../../ledger/core/index.js";
import { CNI_CODES, CNI_MESSAGES } from "../../../src/cni/cniErrors.js";
import { HTTP_STATUSES } from "../../../src/http/httpErrors.js";

const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");

function readmeRow(code: string): { cni: number; http: number } | undefined {
  const match = new RegExp(`^\\| \`${code}\` \\| (\\d+) \\| (\\d+) \\|`, "m").exec(readme);
  return match ? { cni: Number(match[1]), http: Number(match[2]) } : undefined;
}

describe("error codes are mapped at every edge and documented", () => {
  it.each(ERROR_CODES.map((code) => [code]))("%s has a CNI code, an HTTP status and a README row that agree", (code) => {
    expect(CNI_CODES[code]).toBeGreaterThan(0);
    expect(CNI_MESSAGES[CNI_CODES[code]]).toBeTruthy();
    expect(HTTP_STATUSES[code]).toBeGreaterThanOrEqual(400);
    expect(readmeRow(code)).toEqual({ cni: CNI_CODES[code], http: HTTP_STATUSES[code] });
  });
});
