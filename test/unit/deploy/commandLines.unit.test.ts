import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { afterAll, expect, it } from "vitest";
import { buildProgram } from "../../../src/cli/program.js";
import { freshDir } from "../../support/agent/agentFiles.js";
import {
  field,
  loadManifests,
  manifestOf,
  podSpecOf,
  type ContainerSpec,
} from "../../support/deploy/deployManifests.js";
import { fakeIpledger, IMAGE_SCRIPTS, runScript } from "../../support/deploy/imageScripts.js";

// Every ipledger command line in deploy/ is what the kubelet would run: $(VAR) references
// expanded from the container's env (downward API values stood in for), through the image's
// ipledger-cluster wrapper with the ConfigMap's Kafka settings (plus SASL, TLS and the token
// Secret, so every optional flag appears), and finally parsed by the real ipledger CLI with its
// actions stubbed: an unknown option, a bad value or a missing argument fails here, not on a node.

const manifests = loadManifests();
const dir = freshDir("ipledger-deploy-cli-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DOWNWARD: Record<string, string> = {
  "metadata.name": "pod-0",
  "metadata.namespace": "ipledger",
  "spec.nodeName": "node-1",
  "status.podIP": "10.0.0.7",
};

/** The kubelet's `$(VAR)` expansion against the variables defined so far. */
const expand = (text: string, env: Record<string, string>): string =>
  text.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);

function containerEnv(container: ContainerSpec): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? [])
    Object.assign(
      env,
      field<Record<string, string>>(manifestOf(manifests, "ConfigMap", source.configMapRef?.name ?? "").object, "data"),
    );
  for (const variable of container.env ?? []) {
    env[variable.name] =
      variable.value !== undefined
        ? expand(variable.value, env)
        : (DOWNWARD[variable.valueFrom?.fieldRef?.fieldPath ?? ""] ?? "");
  }
  return env;
}

/** A program whose commands parse and validate their options but do nothing. */
async function dryProgram(): Promise<Command> {
  const program = await buildProgram({ code: 0 });
  for (const command of program.commands) command.action(() => undefined);
  return program;
}

const commandLines = manifests.flatMap(({ file, object }) =>
  [...(podSpecOf(object)?.initContainers ?? []), ...(podSpecOf(object)?.containers ?? [])]
    .filter((container) => container.command?.[0] === "/usr/local/bin/ipledger-cluster")
    .map((container) => ({ where: `${file} ${container.name}`, container })),
);

it("finds the agent, the projector, the reconciler and both import Jobs", () => {
  expect(commandLines.map(({ where }) => where).sort()).toEqual([
    "agent-daemonset.yaml agent",
    "migration/import-dry-run-job.yaml import",
    "migration/import-job.yaml import",
    "projector-deployment.yaml projector",
    "reconciler-deployment.yaml reconciler",
  ]);
});

it.each(commandLines)(
  "$where: the ipledger CLI accepts the command line, every option included",
  async ({ container }) => {
    const credentials = join(dir, "kafka");
    mkdirSync(credentials, { recursive: true });
    writeFileSync(join(credentials, "password"), "secret\n");
    writeFileSync(join(credentials, "ca.crt"), "PEM\n");
    writeFileSync(join(dir, "tokens"), "0123456789abcdef0123 auditor prometheus\n", { mode: 0o600 });
    const env = {
      ...containerEnv(container),
      IPLEDGER_KAFKA_BROKERS: "kafka-0.kafka:9092,kafka-1.kafka:9092",
      IPLEDGER_KAFKA_TLS: "true",
      IPLEDGER_KAFKA_SASL_MECHANISM: "scram-sha-512",
      IPLEDGER_KAFKA_USERNAME: "ipledger",
      IPLEDGER_KAFKA_CREDENTIALS_DIR: credentials,
      IPLEDGER_TOKEN_FILE: join(dir, "tokens"),
      IPLEDGER_BIN: fakeIpledger(dir),
    };
    const args = (container.args ?? []).map((arg) => expand(arg, env));
    expect(args.filter((arg) => arg.includes("$("))).toEqual([]);
    const run = runScript(IMAGE_SCRIPTS.cluster, args, env);
    expect(run.stderr).toBe("");
    const argv = JSON.parse(run.stdout) as string[];
    await expect((await dryProgram()).parseAsync(argv, { from: "user" })).resolves.toBeDefined();
    expect(argv).toContain("--kafka-sasl-mechanism");
    if (argv[0] === "agent") expect(argv.join(" ")).toContain("--listen 10.0.0.7:9740 --token-file");
    if (argv[0] === "project-kubernetes") expect(argv).toContain("--namespace=ipledger");
  },
);
