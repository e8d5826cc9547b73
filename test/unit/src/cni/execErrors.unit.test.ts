import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../../../ledger/core/errors.js";
import { CNI_CODES } from "../../../../src/cni/cniErrors.js";
import { EXEC_ERRORS, ExecError, toCniError } from "../../../../src/cni/execErrors.js";

describe("EXEC_ERRORS", () => {
  // The conditions that spell a ledger code are checked against CNI_CODES in test/unit/src/errorTables.unit.test.ts.
  it("gives the pipe's own STDIN_UNREADABLE the CNI spec's I/O failure code (5), which no ledger code uses", () => {
    expect(EXEC_ERRORS.STDIN_UNREADABLE).toBe(5);
    expect(Object.values(CNI_CODES)).not.toContain(5);
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
