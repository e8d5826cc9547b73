import { InvalidArgumentError } from "commander";
import { ALLOWLIST_FORMATS, type AllowlistFormat } from "../../operator/allowlist.js";
import type { AllowlistSelector } from "../../operator/allowlistQuery.js";
import { CliError, EXIT } from "../../exitCodes.js";
import type { LogOptions } from "../../readModel/logOptions.js";

// The allowlist command's flags and the rules between them, checked before anything is read.

/** The flags of `ipledger allowlist`, as commander hands them over. */
export interface AllowlistOptions extends LogOptions {
  pool?: string;
  network?: string;
  namespace?: string;
  label?: string;
  kubeconfig?: string;
  output?: AllowlistFormat;
  /** The old name of --output, kept so scripts written against it still work. */
  format?: AllowlistFormat;
  at?: string;
  watch?: boolean;
  interval: number;
  dataDir: string;
  socket?: string;
}

export function parseFormat(value: string): AllowlistFormat {
  if (!(ALLOWLIST_FORMATS as readonly string[]).includes(value))
    throw new InvalidArgumentError(`must be one of ${ALLOWLIST_FORMATS.join(", ")}`);
  return value as AllowlistFormat;
}

export function parseInterval(value: string): number {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 50 || ms > 3_600_000)
    throw new InvalidArgumentError("must be a whole number of milliseconds from 50 to 3600000");
  return ms;
}

/** `--output`, or its alias `--format`; both at once must agree. */
export function formatOf(options: AllowlistOptions): AllowlistFormat {
  if (options.output !== undefined && options.format !== undefined && options.output !== options.format) {
    throw new CliError(
      EXIT.usage,
      `--format is another name for --output; pass one of them, not --output ${options.output} with --format ${options.format}`,
    );
  }
  return options.output ?? options.format ?? "lines";
}

/** Exactly one of --pool, --network, --namespace; --label only with --namespace and never with --at. */
export function selectorOf(options: AllowlistOptions): AllowlistSelector {
  const given = (["pool", "network", "namespace"] as const).filter((key) => options[key] !== undefined);
  if (given.length !== 1)
    throw new CliError(
      EXIT.usage,
      "allowlist needs exactly one of --pool P, --network NAME or --namespace NS (with --label k=v)",
    );
  if (options.label !== undefined && options.namespace === undefined)
    throw new CliError(
      EXIT.usage,
      "--label needs --namespace: pods' labels are read from Kubernetes one namespace at a time",
    );
  if (options.label !== undefined && options.at !== undefined) {
    throw new CliError(
      EXIT.usage,
      "--label cannot be combined with --at: labels are read from the cluster as it is now, and pods deleted since are gone; use --namespace (or --pool) alone for a past moment",
    );
  }
  if (options.watch && options.at !== undefined)
    throw new CliError(EXIT.usage, "--watch follows the present; a list --at a past moment never changes");
  const key = given[0] as "pool" | "network" | "namespace";
  return { [key]: options[key] } as AllowlistSelector;
}
