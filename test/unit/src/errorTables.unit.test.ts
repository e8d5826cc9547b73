import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERROR_CODES, type ErrorCode } from "../../../ledger/core/index.js";
import { SUPPORTED_VERSIONS } from "../../../plugin/cniVersions.js";
import { EXIT_CODES } from "../../../src/exitCodes.js";
import { CNI_CODES, CNI_MESSAGES, CNI_STATUS_CODES, cniCodeOf } from "../../../src/cni/cniErrors.js";
import { EXEC_ERRORS } from "../../../src/cni/execErrors.js";
import { HTTP_STATUSES } from "../../../src/http/httpErrors.js";

// The one test of every code table at the edges against the documented table (README "Error codes").
const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
const api = readFileSync(new URL("../../../docs/api.md", import.meta.url), "utf8");

interface DocumentedRow {
  readonly cni: number;
  readonly http: number;
  readonly exit: number;
  readonly meaning: string;
}

function readmeRow(code: string): DocumentedRow | undefined {
  const match = new RegExp(`^\\| \`${code}\` \\| (\\d+) \\| (\\d+) \\| (\\d+) \\| (.*) \\|$`, "m").exec(readme);
  if (!match) return undefined;
  return { cni: Number(match[1]), http: Number(match[2]), exit: Number(match[3]), meaning: match[4] as string };
}

/** The CNI code STATUS prints, as docs/api.md documents it ("CNI error codes of STATUS"), else the row's code. */
function documentedStatusCode(code: string, row: DocumentedRow): number {
  const listed = new RegExp(`^\\| \`${code}\` \\| (\\d+) \\|$`, "m").exec(api);
  return listed ? Number(listed[1]) : row.cni;
}

describe("error codes are mapped at every edge and documented", () => {
  it.each(ERROR_CODES.map((code) => [code]))(
    "%s has a CNI code, an HTTP status, a CLI exit code and a README row that agree",
    (code) => {
      expect(CNI_MESSAGES[CNI_CODES[code]]).toBeTruthy();
      expect(HTTP_STATUSES[code]).toBeGreaterThanOrEqual(400);
      expect([1, 2, 3, 4, 70]).toContain(EXIT_CODES[code]);
      expect(readmeRow(code)).toMatchObject({
        cni: CNI_CODES[code],
        http: HTTP_STATUSES[code],
        exit: EXIT_CODES[code],
      });
    },
  );

  it.each(ERROR_CODES.map((code) => [code]))("%s: STATUS prints the code docs/api.md lists", (code) => {
    const row = readmeRow(code) as DocumentedRow;
    expect(CNI_STATUS_CODES[code]).toBe(documentedStatusCode(code, row));
    // The README may note the STATUS code in its row; a note it makes must be the table's.
    const note = /\(STATUS: (\d+)\)/.exec(row.meaning);
    if (note) expect(Number(note[1])).toBe(CNI_STATUS_CODES[code]);
    expect(CNI_MESSAGES[CNI_STATUS_CODES[code]]).toBeTruthy();
    expect(cniCodeOf("status", code)).toBe(CNI_STATUS_CODES[code]);
    expect(cniCodeOf("ADD", code)).toBe(CNI_CODES[code]);
  });

  it("every table has exactly the error codes as keys, and the README lists each code once", () => {
    for (const table of [CNI_CODES, CNI_STATUS_CODES, HTTP_STATUSES, EXIT_CODES])
      expect(Object.keys(table).sort()).toEqual([...ERROR_CODES].sort());
    const listed = [...readme.matchAll(/^\| `([A-Z_]+)` \| \d+ \| \d+ \| \d+ \|/gm)].map((match) => match[1]);
    expect(listed.sort()).toEqual([...ERROR_CODES].sort());
  });

  it("a raw CNI call's conditions that spell a ledger code print that code's CNI code", () => {
    const shared = Object.keys(EXEC_ERRORS).filter((condition): condition is ErrorCode & keyof typeof EXEC_ERRORS =>
      (ERROR_CODES as readonly string[]).includes(condition),
    );
    expect(shared.length).toBeGreaterThan(0);
    for (const condition of shared)
      expect([condition, EXEC_ERRORS[condition]]).toEqual([condition, CNI_CODES[condition]]);
  });

  it("the README's UNSUPPORTED_VERSION row names the versions of plugin/native/versions.json", () => {
    const named = (readmeRow("UNSUPPORTED_VERSION") as DocumentedRow).meaning.match(/\d+\.\d+\.\d+/g);
    expect(named).toEqual([...SUPPORTED_VERSIONS]);
  });
});
