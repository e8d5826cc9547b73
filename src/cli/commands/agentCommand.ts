import type { Command } from "commander";
import pino from "pino";
import { serveAgent } from "../../agent.js";
import { parseAgentFlags } from "../../config.js";
import { DEFAULT_DATA_DIR, DEFAULT_SOCKET } from "../../dataFiles.js";
import { CliError, EXIT } from "../../exitCodes.js";
import {
  openCommandLog,
  rejectStrayKafkaOptions,
  usesKafka,
  withLogOptions,
  type LogOptions,
} from "../../readModel/logOptions.js";

function announce(socket: string, dataDir: string, where: string): void {
  process.stdout.write(
    [
      "",
      `ipledger agent is running: ${where}, projection in ${dataDir}, API on ${socket} (mode 0600).`,
      "Try it (in another terminal; from a checkout `ipledger` is `node dist/src/cli/bin.js`):",
      "  npm run demo                                   # drive simulated pods through the real CNI plugin",
      `  node dist/src/cli/bin.js pools --socket ${socket}`,
      `  node dist/src/cli/bin.js who 10.77.0.2 --socket ${socket}`,
      `  node dist/src/cli/bin.js history --ip 10.77.0.2 --socket ${socket}`,
      `  curl --unix-socket ${socket} http://localhost/v1/allocations`,
      "Stop with Ctrl-C.",
      "",
    ].join("\n"),
  );
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

// The flags are declared here for commander's help; their values are checked and turned into the
// agent's configuration once, by parseAgentFlags (src/config.ts).
export function registerAgentCommand(program: Command): void {
  withLogOptions(
    program
      .command("agent")
      .description(
        "run the node agent: the API the CNI plugin talks to, on the embedded SQLite log or a Kafka topic (--kafka)",
      )
      .option("--data-dir <dir>", "where the log and projection live", DEFAULT_DATA_DIR)
      .option("--socket <path>", "unix socket for the plugin and the CLI (root-only, 0600)", DEFAULT_SOCKET)
      .option("--listen <host:port>", "also serve the API on TCP (needs --token-file)")
      .option(
        "--token-file <file>",
        "bearer tokens for --listen: one 'TOKEN [admin|auditor] [SUBJECT]' per line, mode 0600",
      )
      .option("--node <name>", "this node's name, recorded in every allocation (default $NODENAME or the hostname)")
      .option(
        "--append-timeout <ms>",
        "an ADD whose append the log has not acknowledged and folded by then fails with CNI code 11 (100–600000)",
        "5000",
      )
      .option("--announce", "print how to use the agent once it listens")
      .option(
        "--signing-key <file>",
        "ed25519 private key (PEM, mode 0600): append a signed checkpoint of every chain head that moved, for verify --public-key",
      )
      .option("--checkpoint-interval <seconds>", "how often to sign checkpoints with --signing-key", "300")
      .option(
        "--flat-file-dir <dir>",
        "also let ipam.configuration_path name flat files in this directory (repeatable; Whereabouts' directories are always allowed)",
        collect,
        [],
      )
      .option(
        "--clock-skew-warn <seconds>",
        "warn and count (ipledger_clock_skew_events_total) when an event is stamped this far ahead of the agent's clock",
        "60",
      )
      .option(
        "--snapshot-every <events>",
        "write a fold snapshot (start-up reads it instead of the whole log) after this many more events, and at shutdown; 0 turns snapshots off",
        "100000",
      ),
  ).action(async (options: LogOptions & { dataDir: string; socket: string; announce?: boolean }) => {
    // With --kafka the log is the topic; the data directory keeps the projection only.
    rejectStrayKafkaOptions(options);
    const config = parseAgentFlags(options, process.env);
    const warnings = pino({ level: "warn", base: { component: "kafka" } }, pino.destination(2));
    const kafka = {
      clientId: `ipledger-agent-${config.node}`,
      createTopic: true,
      logger: warnings,
      appendTimeoutMs: config.appendTimeoutMs,
    };
    const log = usesKafka(options) ? await openCommandLog(options, config.dataDir, kafka) : undefined;
    const agent = await serveAgent(config, log ? { log } : {});
    if (options.announce)
      announce(
        agent.socketPath,
        options.dataDir,
        usesKafka(options) ? `log on Kafka topic ${options.topic}` : `embedded log in ${options.dataDir}`,
      );
    const failure = await new Promise<unknown>((resolve) => {
      const onSignal = (): void => stop();
      const stop = (error?: unknown): void => {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        void agent.close().then(() => resolve(error));
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      // The fold gave up: exit non-zero so the supervisor (kubelet, systemd) starts a fresh agent.
      void agent.fatal.then((error) => stop(error));
    });
    // Exit 3 (unavailable) whatever the cause, so a supervisor and a human read it the same way.
    if (failure !== undefined)
      throw new CliError(
        EXIT.unavailable,
        `the agent stopped because its fold cannot recover: ${failure instanceof Error ? failure.message : String(failure)}`,
      );
  });
}
