import { describe, expect, it } from "vitest";
import { parseInstant } from "../../../src/time.js";
import { formatInstant, parseTimeZone, retime, UTC } from "../../../src/timeZone.js";

const NOW = Date.parse("2026-11-20T12:00:00Z");

describe("parseInstant", () => {
  it.each([
    ["2026-11-20T03:12:09Z", "2026-11-20T03:12:09.000Z"],
    ["2026-11-20T03:12:09.5Z", "2026-11-20T03:12:09.500Z"],
    ["2026-11-20T03:12:09.123456789Z", "2026-11-20T03:12:09.123Z"],
    ["2026-11-20t03:12:09z", "2026-11-20T03:12:09.000Z"],
    ["2026-11-20 03:12:09Z", "2026-11-20T03:12:09.000Z"],
    ["2026-11-20T04:12:09+01:00", "2026-11-20T03:12:09.000Z"],
    ["2026-11-20T04:12:09+0100", "2026-11-20T03:12:09.000Z"],
    ["2026-11-19T23:42:09-03:30", "2026-11-20T03:12:09.000Z"],
    ["2026-11-20T03:12Z", "2026-11-20T03:12:00.000Z"],
    ["2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000Z"],
    ["1795144329", "2026-11-20T03:12:09.000Z"],
    ["1795144329.25", "2026-11-20T03:12:09.250Z"],
    ["1795144329000", "2026-11-20T03:12:09.000Z"],
    ["now", "2026-11-20T12:00:00.000Z"],
    ["2h ago", "2026-11-20T10:00:00.000Z"],
    ["90 minutes ago", "2026-11-20T10:30:00.000Z"],
    ["1d12h ago", "2026-11-19T00:00:00.000Z"],
    ["1 week ago", "2026-11-13T12:00:00.000Z"],
    ["30s ago", "2026-11-20T11:59:30.000Z"],
  ])("reads %s", (text, iso) => {
    expect(new Date(parseInstant(text, "--at", NOW)).toISOString()).toBe(iso);
  });

  it.each([
    ["2026-11-20T03:12:09", "has no zone, so it is ambiguous"],
    ["2026-11-20 03:12", "has no zone, so it is ambiguous"],
    ["2026-11-20", "a date without a time and zone"],
    ["2026-02-30T00:00:00Z", "not a valid calendar time"],
    ["2025-02-29T00:00:00Z", "not a valid calendar time"],
    ["2026-11-20T24:00:00Z", "not a valid calendar time"],
    ["2026-11-20T03:61:00Z", "not a valid calendar time"],
    ["2026-11-20T03:12:09+25:00", "invalid zone offset"],
    ["179514432", "a number of ambiguous unit"],
    ["17951443290", "a number of ambiguous unit"],
    ["3 fortnights ago", 'unknown unit "fortnights"'],
    ["ago", "is not a time"],
    ["yesterday", "is not a time"],
    ["", "is empty"],
  ])("refuses %j: %s", (text, why) => {
    expect(() => parseInstant(text, "--at", NOW)).toThrow(why);
    try {
      parseInstant(text, "--at", NOW);
    } catch (error) {
      expect(error).toMatchObject({ code: "INVALID_REQUEST", key: "--at" });
      expect((error as Error).message).toContain("2026-11-20T03:12:09Z"); // says what would work
    }
  });

  it("takes an assumed zone for zone-less times only when asked", () => {
    expect(new Date(parseInstant("2026-11-20 04:12:09", "time", NOW, { assumeZone: "+01:00" })).toISOString()).toBe(
      "2026-11-20T03:12:09.000Z",
    );
    expect(new Date(parseInstant("2026-11-20T03:12:09Z", "time", NOW, { assumeZone: "+05:00" })).toISOString()).toBe(
      "2026-11-20T03:12:09.000Z",
    );
  });
});

describe("printing times", () => {
  it.each([
    ["UTC", "2026-11-20T03:12:09.000Z"],
    ["Z", "2026-11-20T03:12:09.000Z"],
    ["+01:00", "2026-11-20T04:12:09.000+01:00"],
    ["-0330", "2026-11-19T23:42:09.000-03:30"],
    ["Europe/Paris", "2026-11-20T04:12:09.000+01:00"],
    ["America/New_York", "2026-11-19T22:12:09.000-05:00"],
    ["Asia/Kolkata", "2026-11-20T08:42:09.000+05:30"],
  ])("in %s", (zone, expected) => {
    expect(formatInstant(Date.parse("2026-11-20T03:12:09Z"), parseTimeZone(zone, "--tz"))).toBe(expected);
  });

  it("follows daylight saving time in a named zone", () => {
    expect(formatInstant(Date.parse("2026-07-01T12:00:00Z"), parseTimeZone("Europe/Paris", "--tz"))).toBe(
      "2026-07-01T14:00:00.000+02:00",
    );
  });

  it("refuses an unknown zone", () => {
    expect(() => parseTimeZone("Mars/Olympus", "--tz")).toThrow(/--tz "Mars\/Olympus" is not a time zone/);
  });

  it("retime rewrites only instants under time keys, however deep", () => {
    const answer = {
      at: "2026-11-20T03:12:09.000Z",
      holders: [
        { from: "2026-11-20T03:12:09.000Z", to: null, podName: "2026-11-20T03:12:09.000Z", fromWrittenAt: "garbage" },
      ],
    };
    expect(retime(answer, parseTimeZone("+01:00", "--tz"))).toEqual({
      at: "2026-11-20T04:12:09.000+01:00",
      holders: [
        {
          from: "2026-11-20T04:12:09.000+01:00",
          to: null,
          podName: "2026-11-20T03:12:09.000Z",
          fromWrittenAt: "garbage",
        },
      ],
    });
    expect(retime(answer, UTC)).toBe(answer);
  });
});
