import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { readSourceOf, type ReadSourceOptions } from "../../../../src/readModel/readSource.js";

const base: ReadSourceOptions = { dataDir: "data", topic: "ipledger-events", kafkaPartitions: 6 };

describe("where a reading command reads (readSourceOf)", () => {
  it.each([
    { given: "only --data-dir", options: base, kind: "dataDir" },
    { given: "--socket", options: { ...base, socket: "/run/a.sock" }, kind: "socket" },
    { given: "--kafka", options: { ...base, kafka: "k:9092" }, kind: "kafka" },
    { given: "--kafka with --kafka-ssl", options: { ...base, kafka: "k:9092", kafkaSsl: true }, kind: "kafka" },
  ])("given $given, it reads from $kind", ({ options, kind }) => {
    expect(readSourceOf(options).kind).toBe(kind);
  });

  it("given the data directory, it names the projection file in it", () => {
    expect(readSourceOf(base)).toEqual({ kind: "dataDir", projectionPath: join(resolve("data"), "projection.db") });
  });

  it("given --socket and --kafka together, it refuses with one INVALID_REQUEST naming both", () => {
    expect(() => readSourceOf({ ...base, socket: "/run/a.sock", kafka: "k:9092" })).toThrow(
      expect.objectContaining({
        code: "INVALID_REQUEST",
        message: expect.stringMatching(/--socket .* --kafka .* not both/),
      }),
    );
  });

  it.each([{ socket: "/run/a.sock" }, {}])(
    "given --kafka-ssl without --kafka (%o), it refuses the stray option",
    (extra) => {
      expect(() => readSourceOf({ ...base, ...extra, kafkaSsl: true })).toThrow("the --kafka-* options need --kafka");
    },
  );
});
