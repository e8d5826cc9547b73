import { describe, expect, it } from "vitest";
import type { EventView, Holder } from "../../../../projections/sqlite/queries.js";
import { filterOf, parsePod, parseTypes } from "../../../../src/audit/auditParams.js";
import { csvField, exportWriter, TENANCY_COLUMNS } from "../../../../src/audit/exportFormats.js";
import { csvFields } from "../../../../src/audit/csvLine.js";
import { parseTimeZone, UTC } from "../../../../src/timeZone.js";

const holder: Holder = {
  ip: "10.0.0.1",
  pool: "10.0.0.0-24",
  domain: "",
  podNamespace: "shop",
  podName: "web-0",
  podUid: "u1",
  containerId: "c1",
  ifName: "net1",
  node: "n1",
  requested: false,
  from: "2026-11-20T00:00:00.000Z",
  to: "2026-11-20T01:00:00.000Z",
  endReason: "pod-deleted",
  endNote: 'pod gone, "really"',
  fromWrittenAt: "2026-11-20T00:00:00.000Z",
  toWrittenAt: "2026-11-20T01:00:00.000Z",
  openedBy: { node: "n1", component: "agent" },
  closedBy: { node: "ctl", component: "reconciler", user: "alice" },
  fromPosition: { partition: 0, offset: 3 },
  toPosition: { partition: 0, offset: 9 },
};

describe("export formats", () => {
  it("CSV has a header and one RFC 4180 line per row, actors flattened", () => {
    const writer = exportWriter("csv", "tenancies", UTC);
    const text = writer.start() + writer.row(holder) + writer.end();
    const [header, row] = text.trimEnd().split("\n");
    expect(header).toBe(TENANCY_COLUMNS.join(","));
    const fields = csvFields(row as string);
    expect(Object.fromEntries(TENANCY_COLUMNS.map((column, index) => [column, fields[index]]))).toMatchObject({
      ip: "10.0.0.1",
      endNote: 'pod gone, "really"',
      closedBy: "ctl/reconciler/alice",
      openedBy: "n1/agent",
      fromOffset: "3",
      toOffset: "9",
      requested: "false",
    });
  });

  it("NDJSON is one object per line and JSON one array, empty or not, in the zone asked", () => {
    const ndjson = exportWriter("ndjson", "tenancies", parseTimeZone("+01:00", "tz"));
    expect(JSON.parse(ndjson.row(holder))).toMatchObject({
      from: "2026-11-20T01:00:00.000+01:00",
      closedBy: { user: "alice" },
    });
    const json = exportWriter("json", "tenancies", UTC);
    expect(JSON.parse(json.start() + json.row(holder) + json.row(holder) + json.end())).toEqual([holder, holder]);
    const empty = exportWriter("json", "events", UTC);
    expect(JSON.parse(empty.start() + empty.end())).toEqual([]);
  });

  it("event CSV carries the whole data as JSON in its last column", () => {
    const event: EventView = {
      partition: 0,
      offset: 1,
      id: "e1",
      type: "AddressReleased",
      domain: "",
      pool: "p",
      at: "2026-11-20T00:00:00.000Z",
      writtenAt: "2026-11-20T00:00:00.000Z",
      actor: { node: "n", component: "agent" },
      status: "accepted",
      statusReason: null,
      ip: "10.0.0.1",
      podNamespace: "shop",
      podName: "web-0",
      podUid: "u",
      containerId: "c",
      ifName: "net1",
      node: "n",
      reason: "admin",
      note: "maintenance, see ticket",
      data: { ip: "10.0.0.1", reason: "admin" },
    };
    const line = exportWriter("csv", "events", UTC).row(event).trimEnd();
    const fields = csvFields(line);
    expect(fields.at(-3)).toBe("admin");
    expect(fields.at(-2)).toBe("maintenance, see ticket");
    expect(JSON.parse(fields.at(-1) as string)).toEqual(event.data);
  });

  it.each([
    [null, ""],
    ["plain", "plain"],
    ["a,b", '"a,b"'],
    ['q"', '"q"""'],
    ["line\nbreak", '"line\nbreak"'],
    [3, "3"],
  ])("csvField(%j) = %j", (value, text) => {
    expect(csvField(value)).toBe(text);
  });
});

describe("filters from parameters", () => {
  it("reads every filter and names the parameter at fault", () => {
    expect(
      filterOf({
        ip: "10.0.0.1",
        pod: "shop/web-0",
        podUid: "u",
        container: "c",
        node: "n",
        pool: "p",
        domain: "",
        since: "1795144329",
        until: "1795144330",
      }),
    ).toEqual({
      ip: "10.0.0.1",
      pod: { namespace: "shop", name: "web-0" },
      podUid: "u",
      containerId: "c",
      node: "n",
      pool: "p",
      domain: "",
      sinceMs: 1_795_144_329_000,
      untilMs: 1_795_144_330_000,
    });
    expect(() => filterOf({ pod: "web-0" }, (name) => `--${name}`)).toThrow('--pod "web-0" must be NAMESPACE/NAME');
    expect(() => filterOf({ since: "1795144330", until: "1795144329" })).toThrow(/until .* must be after since/);
    expect(() => filterOf({ ip: "10.0.0.1", cidr: "10.0.0.0/24" })).toThrow("pass ip or cidr, not both");
    expect(() => parsePod("a/b/c")).toThrow("must be NAMESPACE/NAME");
    expect(parseTypes("AddressReleased, PoolDefined", "type")).toEqual(["AddressReleased", "PoolDefined"]);
    expect(() => parseTypes("AddressStolen", "--type")).toThrow("--type AddressStolen is not an event type");
  });
});
