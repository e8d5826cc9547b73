import { describe, expect, it } from "vitest";
import {
  addressToBlob,
  formatAddress,
  formatCidr,
  LedgerError,
  parseAddress,
  parseCidr,
  poolNameOf,
  resolveWindow,
} from "../../../../ledger/core/index.js";

const show = (family: 4 | 6, value: bigint): string => formatAddress({ family, value });

describe("addresses", () => {
  it.each([
    ["10.0.0.1", "10.0.0.1"],
    ["00192.00168.001.010", "192.168.1.10"],
    ["fd00:0:0::1", "fd00::1"],
    ["FD00::A", "fd00::a"],
    ["::ffff:1.2.3.4", "::ffff:102:304"],
  ])("parses %s and prints %s", (text, printed) => {
    const address = parseAddress(text);
    expect(address && formatAddress(address)).toBe(printed);
  });

  it.each(["10.0.0.300", "10.0.0", "fe80::1%eth0", "banana", "", "1.2.3.4/24"])("refuses %j", (text) => {
    expect(parseAddress(text)).toBeUndefined();
  });

  it.each([
    ["192.168.2.225/28", "192.168.2.224/28"],
    ["2001::1/116", "2001::/116"],
    ["10.0.0.0/33", undefined],
    ["10.0.0.0", undefined],
    ["fd00::/129", undefined],
  ])("normalises CIDR %s to %s", (text, normal) => {
    const cidr = parseCidr(text);
    expect(cidr && formatCidr(cidr)).toBe(normal);
  });

  it("stores IPv4 as IPv4-mapped IPv6 so one index orders both families", () => {
    expect(Buffer.from(addressToBlob(parseAddress("1.2.3.4")!)).toString("hex")).toBe(
      "00000000000000000000ffff01020304",
    );
  });
});

describe("windows", () => {
  it.each([
    ["192.168.2.225/28", undefined, undefined, "192.168.2.225", "192.168.2.238"],
    ["10.0.0.0/24", "10.0.0.10", "10.0.0.20", "10.0.0.10", "10.0.0.20"],
    ["10.0.0.0/24", "10.0.1.10", undefined, "10.0.0.1", "10.0.0.254"],
    ["10.0.0.0/24", "10.0.0.10", "10.0.0.5", "10.0.0.10", "10.0.0.254"],
    ["192.168.2.225-192.168.2.230/28", undefined, undefined, "192.168.2.225", "192.168.2.230"],
    ["10.0.0.0/30", undefined, undefined, "10.0.0.1", "10.0.0.2"],
  ])("range %s start %s end %s → %s..%s", (range, start, end, first, last) => {
    const { window, family } = resolveWindow({ range, rangeStart: start, rangeEnd: end, exclude: [], key: "ipam" });
    expect([show(family, window.from), show(family, window.to)]).toEqual([first, last]);
  });

  it("covers the ends of an IPv6 /64 without a /65 limit", () => {
    const { window, family } = resolveWindow({ range: "fd00:1::/64", exclude: [], key: "ipam" });
    expect([show(family, window.from), show(family, window.to)]).toEqual(["fd00:1::1", "fd00:1::ffff:ffff:ffff:fffe"]);
  });

  it.each([
    ["CIDR", "192.168.2.229/30", "192.168.2.228", "192.168.2.231"],
    ["bare IP", "192.168.2.236", "192.168.2.236", "192.168.2.236"],
    ["dash range", "192.168.2.226-192.168.2.227", "192.168.2.226", "192.168.2.227"],
  ])("excludes a %s: %s → %s..%s", (_kind, entry, from, to) => {
    const { excludes } = resolveWindow({ range: "192.168.2.224/28", exclude: [entry], key: "ipam" });
    expect(excludes.map((interval) => [show(4, interval.from), show(4, interval.to)])).toEqual([[from, to]]);
  });

  it.each([
    ["10.0.0.0/31", undefined, undefined, [], /no usable addresses/, "ipam.range"],
    ["10.0.0.0/32", undefined, undefined, [], /no usable addresses/, "ipam.range"],
    ["fd00::/127", undefined, undefined, [], /no usable addresses/, "ipam.range"],
    ["10.0.0.0/24", undefined, "10.0.0.300", [], /not an IP address/, "ipam.range_end"],
    ["fd00::/64", "10.0.0.1", undefined, [], /IPv4 address but the range is IPv6/, "ipam.range_start"],
    ["10.0.0.0/24", undefined, undefined, ["garbage"], /exclude entry "garbage"/, "ipam.exclude[0]"],
    ["10.0.0.0/24", undefined, undefined, ["fd00::1"], /IPv6 but the range it applies to is IPv4/, "ipam.exclude[0]"],
    ["192.168.1.5-192.168.2.25/28", undefined, undefined, [], /not inside 192\.168\.2\.16\/28/, "ipam.range"],
    ["not-a-range", undefined, undefined, [], /neither a CIDR/, "ipam.range"],
  ])("refuses range %s (start %s, end %s, exclude %j)", (range, start, end, exclude, message, key) => {
    let caught: unknown;
    try {
      resolveWindow({ range, rangeStart: start, rangeEnd: end, exclude: exclude as string[], key: "ipam" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(LedgerError);
    expect((caught as LedgerError).message).toMatch(message);
    expect((caught as LedgerError).key).toBe(key);
  });
});

describe("IPPool names", () => {
  it.each([
    ["192.168.2.0/24", "", "192.168.2.0-24"],
    ["2001::/116", "", "2001---116"],
    ["fd00:10::/120", "", "fd00-10---120"],
    ["10.0.0.0/8", "storage", "storage-10.0.0.0-8"],
  ])("%s with network_name %j is %s", (range, networkName, name) => {
    expect(poolNameOf(parseCidr(range)!, networkName)).toBe(name);
  });
});
