import { createServer, type Server } from "node:http";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { freshDir } from "../../support/agent/agentFiles.js";
import { field, loadManifestFile } from "../../support/deploy/deployManifests.js";
import { fakeIpledger, IMAGE_SCRIPTS, runScript } from "../../support/deploy/imageScripts.js";
import { requireNativePipe } from "../../support/e2e/pipeRun.js";

// The three scripts of the image, run for real: the node installer against a fake host root,
// the log-options wrapper against a stand-in `ipledger` that prints its arguments, and the probe
// against an HTTP server on a unix socket.

let dir: string;
beforeEach(() => {
  dir = freshDir("ipledger-deploy-scripts-");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const mode = (path: string): number => statSync(path).mode & 0o777;
const flatFileOfConfigMap = (): string =>
  field<Record<string, string>>(loadManifestFile("config/cni.yaml")[0]?.object, "data")["ipledger.conf"] as string;

describe("ipledger-install-cni (the DaemonSet's init container)", () => {
  function install(flatFile: string | undefined) {
    const source = join(dir, "configmap", "ipledger.conf");
    mkdirSync(join(dir, "configmap"), { recursive: true });
    if (flatFile !== undefined) writeFileSync(source, flatFile);
    else rmSync(source, { force: true });
    const host = join(dir, "host");
    const run = runScript(IMAGE_SCRIPTS.installCni, [], {
      // The real native pipe (npm test's pretest builds it), as the image holds it.
      IPLEDGER_PLUGIN: existsSync(join(dir, "ipledger-cni"))
        ? join(dir, "ipledger-cni")
        : (copyFileSync(requireNativePipe(), join(dir, "ipledger-cni")), join(dir, "ipledger-cni")),
      IPLEDGER_FLAT_FILE: source,
      CNI_BIN_DIR: join(host, "opt/cni/bin"),
      CNI_CONF_DIR: join(host, "etc/cni/net.d"),
      SOCKET_DIR: join(host, "run/ipledger"),
    });
    return { run, host };
  }

  it("installs the plugin (0755), the ConfigMap's flat file (0644) and a root-only socket directory, and can run again", () => {
    for (let round = 0; round < 2; round++) {
      const { run, host } = install(flatFileOfConfigMap());
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
      expect(readFileSync(join(host, "opt/cni/bin/ipledger")).equals(readFileSync(join(dir, "ipledger-cni")))).toBe(
        true,
      );
      expect(run.stdout).toContain('"supportedVersions"'); // it asked the installed pipe for its CNI VERSION
      expect(mode(join(host, "opt/cni/bin/ipledger"))).toBe(0o755);
      expect(JSON.parse(readFileSync(join(host, "etc/cni/net.d/ipledger.d/ipledger.conf"), "utf8"))).toEqual({
        socket: "/run/ipledger/agent.sock",
      });
      expect(mode(join(host, "etc/cni/net.d/ipledger.d/ipledger.conf"))).toBe(0o644);
      expect(mode(join(host, "run/ipledger"))).toBe(0o700);
      expect(readdirSync(join(host, "opt/cni/bin"))).toEqual(["ipledger"]); // no temporary file left
    }
  });

  it("refuses a flat file that is not a JSON object and leaves the installed one alone", () => {
    const { host } = install('{"sticky": false}');
    const { run } = install("[1, 2]");
    expect([run.status, run.stderr]).toEqual([1, expect.stringContaining("must be a JSON object of ipam keys")]);
    expect(readFileSync(join(host, "etc/cni/net.d/ipledger.d/ipledger.conf"), "utf8")).toBe('{"sticky": false}');
  });

  it("removes the node's flat file when the ConfigMap has none", () => {
    const { host } = install("{}");
    const { run } = install(undefined);
    expect(run.status).toBe(0);
    expect(existsSync(join(host, "etc/cni/net.d/ipledger.d/ipledger.conf"))).toBe(false);
  });

  it("fails, naming it, when the plugin is missing", () => {
    const run = runScript(IMAGE_SCRIPTS.installCni, [], {
      IPLEDGER_PLUGIN: join(dir, "nowhere"),
      CNI_BIN_DIR: join(dir, "bin"),
    });
    expect([run.status, run.stderr]).toEqual([1, expect.stringContaining("is missing or not executable")]);
  });
});

describe("ipledger-cluster (the log options of every component)", () => {
  function cluster(args: string[], env: Record<string, string>, files: Record<string, string> = {}) {
    const credentials = join(dir, "kafka");
    mkdirSync(credentials, { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const run = runScript(IMAGE_SCRIPTS.cluster, args, {
      IPLEDGER_BIN: fakeIpledger(dir),
      IPLEDGER_KAFKA_CREDENTIALS_DIR: credentials,
      IPLEDGER_TOKEN_FILE: join(dir, "tokens"),
      IPLEDGER_KAFKA_BROKERS: "kafka-0:9092,kafka-1:9092",
      ...env,
    });
    return { ...run, argv: run.status === 0 ? (JSON.parse(run.stdout) as string[]) : undefined };
  }
  const KAFKA = ["--kafka", "kafka-0:9092,kafka-1:9092", "--topic", "ipledger-events"];

  it("passes the brokers and topic after the command's own options", () => {
    expect(cluster(["reconcile", "--once"], {}).argv).toEqual(["reconcile", "--once", ...KAFKA]);
    expect(cluster(["verify"], { IPLEDGER_KAFKA_TOPIC: "t", IPLEDGER_KAFKA_PARTITIONS: "12" }).argv).toEqual([
      "verify",
      "--kafka",
      "kafka-0:9092,kafka-1:9092",
      "--topic",
      "t",
      "--kafka-partitions",
      "12",
    ]);
  });

  it.each<{ env: Record<string, string>; files: Record<string, string>; extra: string[] }>([
    { env: { IPLEDGER_KAFKA_TLS: "true" }, files: {}, extra: ["--kafka-ssl"] },
    { env: { IPLEDGER_KAFKA_TLS: "true" }, files: { "kafka/ca.crt": "PEM" }, extra: ["--kafka-ca", "kafka/ca.crt"] },
    {
      env: { IPLEDGER_KAFKA_SASL_MECHANISM: "scram-sha-512", IPLEDGER_KAFKA_USERNAME: "ipledger" },
      files: { "kafka/password": "s3cret\n" },
      extra: [
        "--kafka-sasl-mechanism",
        "scram-sha-512",
        "--kafka-username",
        "ipledger",
        "--kafka-password-file",
        "kafka/password",
      ],
    },
  ])("maps $env and files $files to the TLS and SASL options", ({ env, files, extra }) => {
    const argv = cluster(["agent"], env, files).argv;
    expect(argv).toEqual(["agent", ...KAFKA, ...extra.map((arg) => (arg.startsWith("kafka/") ? join(dir, arg) : arg))]);
    expect(argv?.join(" ")).not.toContain("s3cret");
  });

  it.each<{ env: Record<string, string>; files: Record<string, string>; message: string }>([
    { env: { IPLEDGER_KAFKA_BROKERS: "" }, files: {}, message: "IPLEDGER_KAFKA_BROKERS is empty" },
    { env: { IPLEDGER_KAFKA_TLS: "yes" }, files: {}, message: 'must be "true" or "false"' },
    { env: {}, files: { "kafka/ca.crt": "PEM" }, message: 'IPLEDGER_KAFKA_TLS is "false"' },
    {
      env: { IPLEDGER_KAFKA_SASL_MECHANISM: "plain", IPLEDGER_KAFKA_USERNAME: "u" },
      files: {},
      message: "SASL needs the password",
    },
    {
      env: { IPLEDGER_KAFKA_SASL_MECHANISM: "plain" },
      files: { "kafka/password": "p" },
      message: "IPLEDGER_KAFKA_USERNAME is empty",
    },
    { env: { IPLEDGER_KAFKA_USERNAME: "u" }, files: {}, message: "IPLEDGER_KAFKA_SASL_MECHANISM is empty" },
  ])("refuses $env with files $files (exit 2, saying what to set)", ({ env, files, message }) => {
    const run = cluster(["agent"], env, files);
    expect([run.status, run.stderr]).toEqual([2, expect.stringContaining(message)]);
  });

  it("adds the agent's TCP listener only when the token Secret is mounted", () => {
    const listen = { IPLEDGER_LISTEN: "10.0.0.7:9740" };
    expect(cluster(["agent"], listen).argv).toEqual(["agent", ...KAFKA]);
    expect(cluster(["agent"], listen, { tokens: "0123456789abcdef0123 auditor prometheus\n" }).argv).toEqual([
      "agent",
      ...KAFKA,
      "--listen",
      "10.0.0.7:9740",
      "--token-file",
      join(dir, "tokens"),
    ]);
    expect(cluster(["reconcile"], listen, { tokens: "0123456789abcdef0123 auditor prometheus\n" }).argv).toEqual([
      "reconcile",
      ...KAFKA,
    ]);
  });
});

describe("ipledger-probe (the agent's exec probes)", () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function agentAnswering(status: number): Promise<string> {
    const socket = join(dir, "agent.sock");
    server = createServer((request, response) =>
      response.writeHead(request.url === "/readyz" ? status : 404).end(JSON.stringify({ ready: status === 200 })),
    );
    await new Promise<void>((resolve) => server?.listen(socket, resolve));
    return socket;
  }
  /** Runs the probe without blocking this process, whose server must answer it. */
  function probe(socket: string, path?: string): Promise<{ status: number | null; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [IMAGE_SCRIPTS.probe, ...(path ? [path] : [])], {
        env: { IPLEDGER_SOCKET: socket },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
      child.on("close", (status) => resolve({ status, stderr }));
    });
  }

  it("exits 0 when the agent answers 200", async () => {
    expect((await probe(await agentAnswering(200))).status).toBe(0);
  });

  it("exits 1 with the agent's answer when it is not ready, and when nothing listens", async () => {
    const notReady = await probe(await agentAnswering(503), "/readyz");
    expect([notReady.status, notReady.stderr]).toEqual([1, expect.stringContaining('HTTP 503 {"ready":false}')]);
    const absent = await probe(join(dir, "missing.sock"));
    expect([absent.status, absent.stderr]).toEqual([1, expect.stringContaining("ENOENT")]);
  });
});
