import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../../ledger/core/errors.js";
import { EXEC_ERRORS, ExecError, toCniError } from "../../../src/cni/execErrors.js";

describe("EXEC_ERRORS", () => {
  it.each([
    ["UNKNOWN_VERB", 4],
    ["MISSING_ENV", 4],
    ["STDIN_UNREADABLE", 5],
    ["MALFORMED_JSON", 6],
    ["REQUEST_TOO_LARGE", 7],
    ["INVALID_CONFIG", 7],
    ["UNSUPPORTED_VERSION", 1],
    ["AGENT_UNREACHABLE", 11],
    ["INTERNAL", 999],
  ] as const)("%s is CNI code %i", (condition, code) => {
    expect(EXEC_ERRORS[condition]).toBe(code);
  });

  it("spells every condition as a ledger ErrorCode, except the pipe's own STDIN_UNREADABLE", () => {
    const own = Object.keys(EXEC_ERRORS).filter((condition) => !(ERROR_CODES as readonly string[]).includes(condition));
    expect(own).toEqual(["STDIN_UNREADABLE"]);
  });

  it("turns a ExecError into the CNI error body", () => {
    const error = new ExecError("AGENT_UNREACHABLE", "cannot reach the agent", "ENOENT");
    expect(toCniError("1.0.0", error)).toEqual({
      cniVersion: "1.0.0",
      code: 11,
      msg: "cannot reach the agent",
      details: "ENOENT",
    });
  });
});
