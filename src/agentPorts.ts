import type pino from "pino";
import type { EventLog } from "../ledger/log/eventLog.js";
import type { ServiceLogger } from "./cni/cniService.js";
import type { FlatFileOptions } from "./cni/flatFile.js";

/** What the agent talks to, injected: real adapters in production, the same or wrapped ones in tests. */
export interface AgentPorts {
  /** The event log (a Kafka topic, or a SQLite log opened by the caller); `<dataDir>/ledger.db` when absent. */
  readonly log?: EventLog;
  /** The agent's logger; JSON lines on stderr (warn and up when `config.quiet`) when absent. */
  readonly logger?: pino.Logger;
  /** Receives the CNI service's and the clock-skew watch's lines instead of `logger` (tests record them). */
  readonly serviceLogger?: ServiceLogger;
  /** The services' clock; the wall clock when absent. */
  readonly now?: () => Date;
  /** Wraps the log the services append through (a test slips a rival writer in); the tail reads `log` itself. */
  readonly appendThrough?: (log: EventLog) => EventLog;
  /** Decide-append rounds of an ADD before it gives up on a contended pool; the service's default when absent. */
  readonly maxAttempts?: number;
  /** Where `configuration_path` may point; Whereabouts' directories plus `config.flatFileDirs` when absent. */
  readonly flatFile?: FlatFileOptions;
}
