import { hostname } from "node:os";
import { z } from "zod";
import { LedgerError } from "../ledger/core/index.js";
import { defaultDataDir, defaultSocket } from "./dataFiles.js";
import type { ListenerLimits } from "./http/listenerLimits.js";

/**
 * The node this process records as the writer of what it appends: the `--node` flag, else
 * `$NODENAME` (the DaemonSet sets it from `spec.nodeName`), else the host name. An empty value
 * counts as absent: a node recorded as "" would make `history --node` useless. The one place
 * the rule lives; the agent, the reconciler, the import and the CLI's own writes all ask here.
 *
 * @example nodeNameOf(undefined, { NODENAME: "worker-3" }) // "worker-3"
 */
export function nodeNameOf(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return [flag, env.NODENAME].map((value) => value?.trim()).find((value) => value) ?? hostname();
}

const hostPort = z
  .string()
  .regex(/^(.+):(\d{1,5})$/, "must be HOST:PORT, e.g. 127.0.0.1:9740")
  .transform((text) => {
    const match = /^(.+):(\d+)$/.exec(text) as RegExpExecArray;
    return { host: (match[1] as string).replace(/^\[|\]$/g, ""), port: Number(match[2]) };
  })
  .refine((address) => address.port <= 65_535, "the port must be at most 65535");

const ms = (min: number, max: number) => z.number().int().min(min).max(max);

/** The agent's settings once parsed: every default applied, every bound checked. */
const agentConfigSchema = z
  .object({
    dataDir: z.string().min(1),
    socket: z.string().min(1),
    node: z.string().trim().min(1),
    /** An optional TCP listener; needs `tokenFile`. */
    listen: hostPort.optional(),
    tokenFile: z.string().min(1).optional(),
    appendTimeoutMs: ms(1, 600_000).default(5_000),
    /** An ed25519 private key (PEM, mode 0600): the agent then appends signed checkpoints. */
    signingKey: z.string().min(1).optional(),
    checkpointIntervalMs: ms(1, 86_400_000).default(300_000),
    /** More directories `configuration_path` may name flat files in (Whereabouts' always apply). */
    flatFileDirs: z.array(z.string().min(1)).default([]),
    clockSkewWarnMs: ms(0, 86_400_000).default(60_000),
    /** `/healthz` fails once the fold (or the log's tail) has not advanced for this long while behind. */
    stallBoundMs: ms(1, 3_600_000).default(60_000),
    /** A fold snapshot after this many more events (and at clean shutdown); 0 turns snapshots off. */
    snapshotEveryEvents: z.number().int().min(0).max(100_000_000).default(100_000),
    /** An empty projection is loaded in bulk at start when the log holds at least this many events; 0 never. */
    bulkStartMinEvents: z.number().int().min(0).max(1_000_000_000).default(10_000),
    quiet: z.boolean().default(false),
    /** Limits of the TCP listener (over `TCP_LIMITS`); the unix socket keeps its own. */
    tcpLimits: z.custom<Partial<ListenerLimits>>((value) => typeof value === "object" && value !== null).optional(),
  })
  .strict()
  .refine((config) => !config.listen || config.tokenFile, {
    path: ["tokenFile"],
    message: "--listen needs --token-file: a TCP listener without a token is refused",
  });

/** The agent's configuration, decided once at start-up (see `parseAgentConfig`). */
export type AgentConfig = z.output<typeof agentConfigSchema>;
/** What a caller may set; everything else takes its default (node: see `nodeNameOf`). */
export type AgentConfigInput = Partial<z.input<typeof agentConfigSchema>>;

/**
 * Parses the agent's settings from code (tests, the demo, `startAgent`): defaults applied, the
 * node name decided by `nodeNameOf`, the data directory and socket defaulting to
 * `$IPLEDGER_DATA_DIR` / `$IPLEDGER_SOCKET`. A bad value is an `INVALID_CONFIG` LedgerError whose
 * `key` names the setting.
 *
 * @example const config = parseAgentConfig({ dataDir: "/tmp/d", socket: "/tmp/d/agent.sock" });
 */
export function parseAgentConfig(input: AgentConfigInput, env: NodeJS.ProcessEnv = process.env): AgentConfig {
  return resolveConfig(input, env, (key) => key);
}

function resolveConfig(input: AgentConfigInput, env: NodeJS.ProcessEnv, keyName: (key: string) => string) {
  const withDefaults = {
    ...input,
    dataDir: input.dataDir || defaultDataDir(env),
    socket: input.socket || defaultSocket(env),
    node: nodeNameOf(input.node, env),
  };
  return parseOrThrow(agentConfigSchema, withDefaults, keyName);
}

/** `ipledger agent`'s flags as commander hands them over: strings (or arrays of them), in the flags' units. */
export type AgentFlags = object;

/** A whole number from `min` to `max` read from a flag's text; the message says the range in the flag's unit. */
const wholeFlag = (min: number, max: number, unit: string) => {
  const error = `must be a whole number of ${unit} from ${min} to ${max}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};

/** The flags in their own units (seconds), mapped onto the config's names (milliseconds). */
const agentFlagsSchema = z
  .object({
    dataDir: z.string().optional(),
    socket: z.string().optional(),
    node: z.string().optional(),
    listen: z.string().optional(),
    tokenFile: z.string().optional(),
    appendTimeout: wholeFlag(100, 600_000, "milliseconds").optional(),
    signingKey: z.string().optional(),
    checkpointInterval: wholeFlag(1, 86_400, "seconds").optional(),
    flatFileDir: z.array(z.string()).optional(),
    clockSkewWarn: wholeFlag(1, 86_400, "seconds").optional(),
    snapshotEvery: wholeFlag(0, 100_000_000, "events (0: off)").optional(),
  })
  .transform(({ appendTimeout, checkpointInterval, flatFileDir, clockSkewWarn, snapshotEvery, ...rest }) =>
    withoutUndefined({
      ...rest,
      appendTimeoutMs: appendTimeout,
      checkpointIntervalMs: checkpointInterval === undefined ? undefined : checkpointInterval * 1000,
      flatFileDirs: flatFileDir,
      clockSkewWarnMs: clockSkewWarn === undefined ? undefined : clockSkewWarn * 1000,
      snapshotEveryEvents: snapshotEvery,
    }),
  );

/**
 * Parses `ipledger agent`'s flags (and the environment) into the agent's configuration, once.
 * Flags the agent does not own (the Kafka options, `--announce`) are ignored here. A bad value
 * is an `INVALID_CONFIG` LedgerError naming the flag (exit 2).
 *
 * @example parseAgentFlags({ dataDir: "/var/lib/ipledger", checkpointInterval: "60" }, process.env)
 */
export function parseAgentFlags(flags: AgentFlags, env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const known = Object.fromEntries(
    Object.keys(agentFlagsSchema.in.shape).map((name) => [name, (flags as Record<string, unknown>)[name]]),
  );
  return resolveConfig(parseOrThrow(agentFlagsSchema, known, flagOf), env, flagOf);
}

/** The config's names whose flag is spelled otherwise (units in the flag's help, not its name). */
const FLAG_NAMES: Readonly<Record<string, string>> = {
  appendTimeoutMs: "append-timeout",
  checkpointIntervalMs: "checkpoint-interval",
  flatFileDirs: "flat-file-dir",
  clockSkewWarnMs: "clock-skew-warn",
  snapshotEveryEvents: "snapshot-every",
};

/** `checkpointIntervalMs` → `--checkpoint-interval`: errors name the flag the user typed. */
function flagOf(key: string): string {
  const name = key.split(".")[0] as string;
  return `--${FLAG_NAMES[name] ?? name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, keyName: (key: string) => string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0] as z.core.$ZodIssue;
  const key = keyName(issue.path.map(String).join(".") || "config");
  const message = issue.message.startsWith("--")
    ? issue.message
    : `${key} ${issue.message.replace(/^Invalid input: /, "")}`;
  throw new LedgerError("INVALID_CONFIG", message, { key });
}

function withoutUndefined<T extends Record<string, unknown>>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Partial<T>;
}
