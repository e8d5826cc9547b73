import { InvalidArgumentError, type Command } from "commander";
import type { AuditFilter } from "../../projections/sqlite/queries.js";
import { parseOutput, type OutputFormat } from "../output.js";
import { withLogOptions, type LogOptions } from "../readModel/logOptions.js";
import { UTC, type TimeZone } from "../time.js";
import { filterOf, timeZoneOf } from "./auditParams.js";
import type { ReadModelOptions } from "../readModel/readModel.js";
import { withReadSourceOptions } from "../readModel/readSource.js";

/** What every audit command is given: where to read, how consistent, which zone to print. */
export interface AuditCommandOptions extends LogOptions {
  readonly dataDir: string;
  readonly socket?: string;
  readonly tz?: string;
  readonly consistent?: boolean;
  readonly consistentTimeout: number;
  readonly output?: OutputFormat;
}

/** The filter options of history, changes and export. */
export interface FilterOptions {
  readonly ip?: string;
  readonly cidr?: string;
  readonly pod?: string;
  readonly podUid?: string;
  readonly container?: string;
  readonly node?: string;
  readonly pool?: string;
  readonly domain?: string;
  readonly since?: string;
  readonly until?: string;
}

const TIME_HELP = "ISO 8601 with a zone (2026-11-20T03:12:09Z), epoch s or ms, 'now', or '2h ago'";

function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 3600)
    throw new InvalidArgumentError("must be a number of seconds from 0 to 3600");
  return seconds;
}

/**
 * Adds the options every audit command shares: `--data-dir`, `--socket`, the Kafka log options,
 * `--tz`, `--consistent [--consistent-timeout S]` and, unless the command writes its own format,
 * `--output table|json`.
 *
 * @example withAuditOptions(program.command("who")).action(…)
 */
export function withAuditOptions(command: Command, options: { output?: boolean } = {}): Command {
  withReadSourceOptions(command)
    .option(
      "--tz <zone>",
      "print times in this zone: UTC (default), an offset like +01:00, or an IANA name like Europe/Paris",
    )
    .option("--consistent", "wait until the projection has caught up with the log before answering")
    .option("--consistent-timeout <seconds>", "how long --consistent waits", parseSeconds, 10);
  if (options.output !== false) command.option("--output <format>", "table or json", parseOutput, "table");
  return withLogOptions(command);
}

/** Adds the filters of history, changes and export; `--since`/`--until` bound the time window. */
export function withFilterOptions(command: Command): Command {
  return command
    .option("--ip <ip>", "one address")
    .option("--cidr <cidr>", "every address of a CIDR, e.g. 10.20.4.0/24")
    .option("--pod <namespace/name>", "one pod (every incarnation of that name)")
    .option("--pod-uid <uid>", "one pod incarnation")
    .option("--container <id>", "one sandbox (container ID)")
    .option("--node <name>", "pods on this node")
    .option("--pool <name>", "one pool (names as ipledger pools prints them)")
    .option("--domain <name>", "one allocation domain (network_name)")
    .option("--since <time>", `only what lasts past / happens after this time: ${TIME_HELP}`)
    .option("--until <time>", `only what begins / happens before this time: ${TIME_HELP}`);
}

export function sourceOptionsOf(options: AuditCommandOptions): ReadModelOptions {
  return {
    ...options,
    consistent: options.consistent ?? false,
    consistentTimeoutMs: Math.round(options.consistentTimeout * 1000),
  };
}

export function filterOfOptions(options: FilterOptions, nowMs: number = Date.now()): AuditFilter {
  return filterOf(options, (name) => `--${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`, nowMs);
}

export function timeZoneOfOptions(options: Pick<AuditCommandOptions, "tz">): TimeZone {
  return options.tz === undefined ? UTC : timeZoneOf(options.tz, "--tz");
}

export { TIME_HELP };
