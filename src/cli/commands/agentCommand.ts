import { hostname } from "node:os";
import { InvalidArgumentError, type Command } from "commander";
import pino from "pino";
import { startAgent } from "../../agent.js";
import { loadSigningKey } from "../../audit/signingKeys.js";
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

function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86_400)
    throw new InvalidArgumentError("must be a whole number of seconds from 1 to 86400");
  return seconds;
}

function parseMilliseconds(value: string): number {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 100 || ms > 600_000)
    throw new InvalidArgumentError("must be a whole number of milliseconds from 100 to 600000");
  return ms;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseSnapshotEvery(value: string): number {
  const events = Number(value);
  if (!Number.isInteger(events) || events < 0 || events > 100_000_000)
    throw new InvalidArgumentError("must be a whole number of events from 0 (off) to 100000000");
  return events;
}

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
        "an ADD whose append the log has not acknowledged and folded by then fails with CNI code 11",
        parseMilliseconds,
        5_000,
      )
      .option("--announce", "print how to use the agent once it listens")
      .option(
        "--signing-key <file>",
        "ed25519 private key (PEM, mode 0600): append a signed checkpoint of every chain head that moved, for verify --public-key",
      )
      .option("--checkpoint-interval <seconds>", "how often to sign checkpoints with --signing-key", parseSeconds, 300)
      .option(
        "--flat-file-dir <dir>",
        "also let ipam.configuration_path name flat files in this directory (repeatable; Whereabouts' directories are always allowed)",
        collect,
        [],
      )
      .option(
        "--clock-skew-warn <seconds>",
        "warn and count (ipledger_clock_skew_events_total) when an event is stamped this far ahead of the agent's clock",
        parseSeconds,
        60,
      )
      .option(
        "--snapshot-every <events>",
        "write a fold snapshot (start-up reads it instead of the whole log) after this many more events, and at shutdown; 0 turns snapshots off",
        parseSnapshotEvery,
        100_000,
      ),
  ).action(
    async (
      options: LogOptions & {
        dataDir: string;
        socket: string;
        listen?: string;
        tokenFile?: string;
        node?: string;
        announce?: boolean;
        appendTimeout: number;
        signingKey?: string;
        checkpointInterval: number;
        flatFileDir: string[];
        clockSkewWarn: number;
        snapshotEvery: number;
      },
    ) => {
      // With --kafka the log is the topic; the data directory keeps the projection only.
      rejectStrayKafkaOptions(options);
      if (options.signingKey) loadSigningKey(options.signingKey); // a bad key fails now, not after the log is folded
      const node = options.node ?? process.env.NODENAME ?? hostname();
      const warnings = pino({ level: "warn", base: { component: "kafka" } }, pino.destination(2));
      const kafka = {
        clientId: `ipledger-agent-${node}`,
        createTopic: true,
        logger: warnings,
        appendTimeoutMs: options.appendTimeout,
      };
      const log = usesKafka(options) ? await openCommandLog(options, options.dataDir, kafka) : undefined;
      const agent = await startAgent({
        dataDir: options.dataDir,
        socket: options.socket,
        node,
        appendTimeoutMs: options.appendTimeout,
        flatFileDirs: options.flatFileDir,
        clockSkewWarnMs: options.clockSkewWarn * 1000,
        snapshotEveryEvents: options.snapshotEvery,
        ...(log ? { log } : {}),
        ...(options.listen ? { listen: options.listen } : {}),
        ...(options.tokenFile ? { tokenFile: options.tokenFile } : {}),
        ...(options.signingKey
          ? { signingKey: options.signingKey, checkpointIntervalMs: options.checkpointInterval * 1000 }
          : {}),
      });
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
    },
  );
}
