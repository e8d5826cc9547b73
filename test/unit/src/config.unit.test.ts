import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { isLedgerError } from "../../../ledger/core/index.js";
import { nodeNameOf, parseAgentConfig, parseAgentFlags } from "../../../src/config.js";

function refusal(run: () => unknown): { code: string; key: string | undefined; message: string } {
  try {
    run();
  } catch (error) {
    if (isLedgerError(error)) return { code: error.code, key: error.key, message: error.message };
    throw error;
  }
  throw new Error("expected the configuration to be refused");
}

describe("the node name is decided in one place", () => {
  it.each([
    ["the flag wins", "node-flag", { NODENAME: "node-env" }, "node-flag"],
    ["$NODENAME when no flag", undefined, { NODENAME: "node-env" }, "node-env"],
    ["an empty $NODENAME counts as absent", undefined, { NODENAME: "" }, hostname()],
    ["a blank flag counts as absent", "  ", { NODENAME: "node-env" }, "node-env"],
    ["the host name when neither", undefined, {}, hostname()],
  ])("%s", (_case, flag, env, expected) => {
    expect(nodeNameOf(flag, env)).toBe(expected);
  });
});

describe("parseAgentFlags: ipledger agent's flags, parsed once", () => {
  it("given no flags, when parsed, then every default is applied and the env names the paths and node", () => {
    const config = parseAgentFlags(
      {},
      { NODENAME: "worker-3", IPLEDGER_DATA_DIR: "/srv/ipl", IPLEDGER_SOCKET: "/srv/ipl.sock" },
    );
    expect(config).toMatchObject({
      dataDir: "/srv/ipl",
      socket: "/srv/ipl.sock",
      node: "worker-3",
      appendTimeoutMs: 5_000,
      checkpointIntervalMs: 300_000,
      clockSkewWarnMs: 60_000,
      stallBoundMs: 60_000,
      snapshotEveryEvents: 100_000,
      flatFileDirs: [],
    });
    expect(config.listen).toBeUndefined();
  });

  it("given flags in their own units (strings from commander), then the config holds milliseconds", () => {
    const config = parseAgentFlags(
      {
        checkpointInterval: "60",
        clockSkewWarn: "5",
        appendTimeout: "2500",
        snapshotEvery: "0",
        listen: "[::1]:9740",
        tokenFile: "/etc/ipledger/tokens",
        flatFileDir: ["/etc/a", "/etc/b"],
        topic: "ignored: the log options are not the agent's",
      },
      {},
    );
    expect(config).toMatchObject({
      checkpointIntervalMs: 60_000,
      clockSkewWarnMs: 5_000,
      appendTimeoutMs: 2_500,
      snapshotEveryEvents: 0,
      listen: { host: "::1", port: 9740 },
      flatFileDirs: ["/etc/a", "/etc/b"],
    });
  });

  it.each([
    [{ checkpointInterval: "0" }, "--checkpoint-interval"],
    [{ checkpointInterval: "1.5" }, "--checkpoint-interval"],
    [{ clockSkewWarn: "lots" }, "--clock-skew-warn"],
    [{ appendTimeout: "99" }, "--append-timeout"],
    [{ snapshotEvery: "-1" }, "--snapshot-every"],
    [{ listen: "9740" }, "--listen"],
    [{ listen: "0.0.0.0:70000", tokenFile: "/t" }, "--listen"],
    [{ listen: "0.0.0.0:9740" }, "--token-file"],
  ])("given %j, then it is refused as INVALID_CONFIG naming %s", (flags, key) => {
    const refused = refusal(() => parseAgentFlags(flags, {}));
    expect(refused.code).toBe("INVALID_CONFIG");
    expect(refused.key).toBe(key);
    expect(refused.message).toContain(key);
    if (!key.startsWith("--listen") && key !== "--token-file")
      expect(refused.message).toMatch(/must be a whole number of \w+/);
  });
});

describe("parseAgentConfig: the agent's settings from code", () => {
  it("keeps programmatic bounds (a test may sign every 100 ms) and refuses unknown keys", () => {
    expect(parseAgentConfig({ dataDir: "/d", socket: "/s", checkpointIntervalMs: 100 }, {}).checkpointIntervalMs).toBe(
      100,
    );
    const refused = refusal(() => parseAgentConfig({ dataDir: "/d", stalBoundMs: 5 } as never, {}));
    expect(refused.code).toBe("INVALID_CONFIG");
  });
});
