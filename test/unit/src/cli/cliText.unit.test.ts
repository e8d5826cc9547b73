import { describe, expect, it } from "vitest";
import { isLedgerError } from "../../../../ledger/core/index.js";
import { basisLine } from "../../../../src/audit/auditRender.js";
import { EXAMPLES } from "../../../../src/cli/examples.js";
import { EXIT, exitCodeOf } from "../../../../src/exitCodes.js";
import { parseOutput } from "../../../../src/output.js";
import { COMMAND_NAMES } from "../../../../src/cli/program.js";
import { packageVersion } from "../../../../src/cli/version.js";

describe("what the command line prints", () => {
  it("says in words how much of the log an answer reflects", () => {
    expect(basisLine({ "0": 9 })).toBe(
      "(as of the log's first 9 events, offsets 0 to 8: later events are not in this answer)",
    );
    expect(basisLine({ "0": 1 })).toBe(
      "(as of the log's first 1 event, offset 0: later events are not in this answer)",
    );
    expect(basisLine({ "0": 42, "3": 7 })).toBe(
      "(as of the log's first 42 events in partition 0, 7 events in partition 3: later events are not in this answer)",
    );
    expect(basisLine({})).toBe("(the projection has not read any event of the log yet)");
  });

  it("given an unknown --output, parseOutput throws a typed error that exits 2", () => {
    expect(parseOutput("json")).toBe("json");
    let thrown: unknown;
    try {
      parseOutput("yaml");
    } catch (error) {
      thrown = error;
    }
    expect(isLedgerError(thrown) && thrown.code).toBe("INVALID_REQUEST");
    expect(exitCodeOf(thrown)).toBe(EXIT.usage);
  });

  it("has an example for every command and no example for a command that does not exist", () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual([...COMMAND_NAMES].sort());
    for (const [name, lines] of Object.entries(EXAMPLES))
      for (const line of lines) expect(line.startsWith(`ipledger ${name}`), line).toBe(true);
  });

  it("reads its version from the package.json it ships in", () => {
    expect(packageVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
