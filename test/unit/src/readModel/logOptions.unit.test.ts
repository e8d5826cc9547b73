import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, describe, expect, it } from "vitest";
import { CLI_READER, kafkaOptionsOf, withLogOptions, type LogOptions } from "../../../../src/readModel/logOptions.js";

const dir = mkdtempSync(join(tmpdir(), "ipledger-log-options-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Parses `args` with the shared log options, as `ipledger verify …` would. */
function parse(args: readonly string[]): LogOptions {
  const command = withLogOptions(new Command("t").exitOverride().configureOutput({ writeErr: () => undefined }));
  command.parse([...args], { from: "user" });
  return command.opts<LogOptions>();
}

describe("the --kafka options", () => {
  it("turns brokers, topic and TLS into Kafka client options, with the topic default", () => {
    const ca = join(dir, "ca.pem");
    writeFileSync(ca, "-----BEGIN CERTIFICATE-----\n");
    const options = kafkaOptionsOf(parse(["--kafka", "kafka-0:9092, kafka-1:9093", "--kafka-ca", ca]), CLI_READER);
    expect(options).toMatchObject({
      brokers: ["kafka-0:9092", "kafka-1:9093"],
      topic: "ipledger-events",
      clientId: "ipledger-cli",
      createTopic: false,
      partitions: 6,
    });
    expect(options.ssl).toEqual({ ca: ["-----BEGIN CERTIFICATE-----\n"] });
    expect(kafkaOptionsOf(parse(["--kafka", "k:9092", "--kafka-ssl", "--topic", "t"]), CLI_READER)).toMatchObject({
      ssl: true,
      topic: "t",
    });
  });

  it("reads the SASL password from the first line of a file", () => {
    const file = join(dir, "password");
    writeFileSync(file, "s3cret\n");
    const options = kafkaOptionsOf(
      parse([
        "--kafka",
        "k:9092",
        "--kafka-sasl-mechanism",
        "SCRAM-SHA-512",
        "--kafka-username",
        "ipam",
        "--kafka-password-file",
        file,
      ]),
      CLI_READER,
    );
    expect(options.sasl).toEqual({ mechanism: "scram-sha-512", username: "ipam", password: "s3cret" });
  });

  it.each([
    [["--kafka", "kafka-0"], "every broker must be host:port"],
    [["--kafka", "k:9092", "--kafka-username", "u"], "SASL needs all of"],
    [
      [
        "--kafka",
        "k:9092",
        "--kafka-sasl-mechanism",
        "plain",
        "--kafka-username",
        "u",
        "--kafka-password-file",
        "/nonexistent/pw",
      ],
      "cannot be read",
    ],
    [["--kafka-ssl"], "need --kafka"],
  ])("refuses %j with a usage error (%s)", (args, message) => {
    expect(() => kafkaOptionsOf(parse(args), CLI_READER)).toThrow(
      expect.objectContaining({ exitCode: 2, message: expect.stringContaining(message) }),
    );
  });

  it("refuses an unknown SASL mechanism while parsing", () => {
    expect(() => parse(["--kafka", "k:9092", "--kafka-sasl-mechanism", "gssapi"])).toThrow(
      /plain, scram-sha-256, scram-sha-512/,
    );
  });
});
