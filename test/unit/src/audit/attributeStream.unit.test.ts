import { Readable, Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { Attribution } from "../../../../projections/sqlite/attributionResolver.js";
import type { Holder } from "../../../../projections/sqlite/queries.js";
import { attributeStream, type AttributeOptions, type Attributor } from "../../../../src/audit/attributeStream.js";
import { csvFields } from "../../../../src/audit/csvLine.js";

const T = Date.parse("2026-11-20T03:12:09Z");

function holder(pod: string, extra: Partial<Holder> = {}): Holder {
  const [namespace = "", name = ""] = pod.split("/");
  return {
    ip: "10.0.0.1",
    pool: "10.0.0.0-24",
    domain: "",
    podNamespace: namespace,
    podName: name,
    podUid: `uid-${name}`,
    containerId: `c-${name}`,
    ifName: "net1",
    node: "node-1",
    requested: false,
    from: "2026-11-20T00:00:00.000Z",
    to: null,
    endReason: null,
    endNote: null,
    fromWrittenAt: "2026-11-20T00:00:00.000Z",
    toWrittenAt: null,
    openedBy: null,
    closedBy: null,
    fromPosition: { partition: 0, offset: 0 },
    toPosition: null,
    ...extra,
  };
}

/** 10.0.0.1 is held by shop/web-0 from T on; 10.0.0.2 by two networks; anything else is free. */
const fake: Attributor = async (probes) =>
  probes.map(({ ip, atMs }): Attribution => {
    if (ip === "bad") return { invalid: '"bad" is not an IP address' };
    if (ip === "10.0.0.1" && atMs >= T) return { holders: [holder("shop/web-0")] };
    if (ip === "10.0.0.2")
      return {
        holders: [holder("a/x", { pool: "p1" }), holder("b/y", { domain: "blue", pool: "p2", node: "node-2" })],
      };
    return { holders: [] };
  });

function sink(): Writable & { text: () => string } {
  const chunks: string[] = [];
  return Object.assign(
    new Writable({ write: (chunk: Buffer, _encoding, done) => (chunks.push(chunk.toString()), done()) }),
    { text: () => chunks.join("") },
  );
}

async function run(
  input: string,
  options: Partial<AttributeOptions> = {},
): Promise<{ output: string; stats: Awaited<ReturnType<typeof attributeStream>> }> {
  const out = sink();
  const stats = await attributeStream(Readable.from([input]), out, fake, {
    format: "csv",
    ipColumn: "2",
    timeColumn: "1",
    ...options,
  });
  return { output: out.text(), stats };
}

describe("attribute", () => {
  it("appends holder, pod UID, node and pool to each CSV line, or unallocated, or invalid", async () => {
    const { output, stats } = await run(
      [
        "2026-11-20T03:12:09Z,10.0.0.1,x",
        '2026-11-20T03:12:08Z,10.0.0.1,"a,b"',
        "1795144329,10.0.0.2",
        "2026-11-20T03:12:09,10.0.0.1",
        "now,bad",
        "2026-11-20T03:12:09Z",
      ].join("\n"),
    );
    expect(output.split("\n")).toEqual([
      "2026-11-20T03:12:09Z,10.0.0.1,x,shop/web-0,uid-web-0,node-1,10.0.0.0-24",
      '2026-11-20T03:12:08Z,10.0.0.1,"a,b",unallocated,,,',
      "1795144329,10.0.0.2,a/x|b/y,uid-x|uid-y,node-1|node-2,p1|p2",
      "2026-11-20T03:12:09,10.0.0.1,invalid,,,",
      "now,bad,invalid,,,",
      "2026-11-20T03:12:09Z,invalid,,,",
      "",
    ]);
    expect(stats).toMatchObject({ lines: 6, attributed: 2, unallocated: 1, invalid: 3 });
    expect(stats.problems[0]).toMatch(/^line 4: time "2026-11-20T03:12:09" has no zone/);
    expect(stats.problems[2]).toBe("line 6: no address in column 2");
  });

  it("keeps CRLF line ends and blank lines, writes the header back with the new columns, and finds columns by name", async () => {
    const { output } = await run("src,when\r\n10.0.0.1,2026-11-20 04:12:09\r\n\r\n10.0.0.9,2026-11-20 04:12:09\r\n", {
      header: true,
      ipColumn: "src",
      timeColumn: "when",
      assumeZone: "+01:00",
    });
    expect(output).toBe(
      "src,when,holder,pod_uid,node,pool\r\n10.0.0.1,2026-11-20 04:12:09,shop/web-0,uid-web-0,node-1,10.0.0.0-24\r\n\r\n10.0.0.9,2026-11-20 04:12:09,unallocated,,,\r\n",
    );
  });

  it("refuses a header without the named column, and CSV column names without --header", async () => {
    await expect(run("a,b\n1,2\n", { header: true, ipColumn: "src", timeColumn: "b" })).rejects.toThrow(
      "the header has no column src; it has a, b",
    );
    await expect(run("1,2\n", { ipColumn: "src" })).rejects.toThrow(/1-based column numbers/);
  });

  it("adds an ipledger member to each NDJSON object, found by dotted paths", async () => {
    const { output } = await run(
      [
        '{"ts":1795144329000,"flow":{"src":"10.0.0.1"}}',
        "{}",
        "[1]",
        '{"ts":"2026-11-20T03:12:09Z","flow":{"src":"10.0.0.3"}}  ',
      ].join("\n"),
      { format: "ndjson", ipColumn: "flow.src", timeColumn: "ts" },
    );
    const lines = output.trimEnd().split("\n");
    expect(JSON.parse(lines[0] as string)).toEqual({
      ts: 1795144329000,
      flow: { src: "10.0.0.1" },
      ipledger: {
        status: "allocated",
        holders: [
          {
            pod: "shop/web-0",
            podUid: "uid-web-0",
            node: "node-1",
            pool: "10.0.0.0-24",
            domain: "",
            containerId: "c-web-0",
            ifName: "net1",
            ip: "10.0.0.1",
            from: "2026-11-20T00:00:00.000Z",
            to: null,
          },
        ],
      },
    });
    expect(JSON.parse(lines[1] as string)).toEqual({
      ipledger: { status: "invalid", error: "no address in field flow.src" },
    });
    expect(lines[2]).toBe("[1]"); // not an object: written back as it was, counted invalid
    expect(JSON.parse(lines[3] as string).ipledger).toEqual({ status: "unallocated", holders: [] });
  });

  it("streams with bounded memory: it never reads far ahead of what it has written", async () => {
    const lines = 50_000;
    let produced = 0;
    let written = 0;
    let worstLead = 0;
    const input = Readable.from(
      (function* () {
        for (let chunk = 0; chunk < lines / 100; chunk += 1) {
          produced += 100;
          worstLead = Math.max(worstLead, produced - written);
          yield Array.from({ length: 100 }, (_, index) => `1795144329,10.0.0.${(chunk + index) % 250}\n`).join("");
        }
      })(),
    );
    // A slow reader downstream: a tiny buffer, so the stream must wait for it to drain.
    const slow = new Writable({
      highWaterMark: 1024,
      write: (chunk: Buffer, _encoding, done) => {
        written += chunk.toString().split("\n").length - 1;
        setImmediate(done);
      },
    });
    const stats = await attributeStream(input, slow, fake, {
      format: "csv",
      ipColumn: "2",
      timeColumn: "1",
      batchSize: 500,
    });
    expect(stats.lines).toBe(lines);
    expect(worstLead).toBeLessThanOrEqual(500 + 2 * 100 + 100);
  });
});

describe("csvFields", () => {
  it.each([
    ["a,b,c", ["a", "b", "c"]],
    ['"a,b",c', ["a,b", "c"]],
    ['"say ""hi""",x', ['say "hi"', "x"]],
    ["a,,", ["a", "", ""]],
    ['"",1', ["", "1"]],
  ])("%s", (line, fields) => expect(csvFields(line)).toEqual(fields));
});
