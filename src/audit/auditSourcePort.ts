import type { Attribution } from "../../projections/audit/attributionResolver.js";
import type {
  AuditFilter,
  Basis,
  EventFilter,
  EventView,
  Holder,
  PoolState,
} from "../../projections/sqlite/queries.js";
import type { LogOptions } from "../cli/commands/logOptions.js";

/**
 * Where the audit commands get their answers: the projection in a data directory (read in one
 * snapshot), a running agent (`--socket`, paginated HTTP), or a Kafka log replayed into a
 * throw-away projection (`--kafka`). The commands never know which. A module of its own, so
 * the sources implement it without importing `auditSource.ts`, which opens them.
 */
export interface AuditSource {
  basis(): Promise<Basis>;
  who(ip: string, atMs: number, domain?: string): Promise<Holder[]>;
  whoCidr(cidr: string, atMs: number, domain?: string): AsyncGenerator<Holder[]>;
  tenancies(filter: AuditFilter): AsyncGenerator<Holder[]>;
  events(filter: EventFilter): AsyncGenerator<EventView[]>;
  poolState(pool: string, atMs: number, domain?: string): Promise<PoolState>;
  /** A batch of probes; the local sources keep one cached resolver across batches. */
  attribute(probes: readonly { readonly ip: string; readonly atMs: number }[]): Promise<Attribution[]>;
  close(): Promise<void>;
}

export interface AuditSourceOptions extends LogOptions {
  readonly dataDir: string;
  readonly socket?: string;
  /** Wait until the projection has caught up with the log before answering. */
  readonly consistent?: boolean;
  readonly consistentTimeoutMs?: number;
}
