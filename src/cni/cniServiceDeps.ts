import type { PoolDecision } from "../../ledger/core/index.js";
import type { EventLog } from "../../ledger/log/eventLog.js";
import type { ProjectionRunner } from "../../projections/runner.js";
import type { ServiceLogger } from "./cniLog.js";
import type { FlatFileOptions } from "./flatFile.js";

/** What `createCniService` is built from: the log and fold it serves, and the hooks that count and log. */
export interface CniServiceDeps {
  readonly log: EventLog;
  readonly runner: ProjectionRunner;
  readonly node: string;
  readonly now?: () => Date;
  readonly random?: () => number;
  readonly newId?: () => string;
  /** How long one append plus fold may take before the request fails with code 11. */
  readonly appendTimeoutMs?: number;
  /** Decide-append rounds before giving up on a contended pool. */
  readonly maxAttempts?: number;
  readonly onVoided?: (reason: string) => void;
  readonly onAllocated?: (count: number) => void;
  readonly onReleased?: (count: number) => void;
  /** A claim of a failed ADD could not be released once the fold applied it. */
  readonly onRollbackFailed?: (error: unknown) => void;
  /** Where `configuration_path` may point, and the size cap; Whereabouts' directories when absent. */
  readonly flatFile?: FlatFileOptions;
  /** One line per ADD (a warning when its config needs a look), and failed rollbacks. */
  readonly logger?: ServiceLogger;
}

export type AddOutcome = { readonly result: Record<string, unknown>; readonly pools: readonly PoolDecision[] };
