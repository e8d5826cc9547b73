import type { Attribution } from "../../projections/sqlite/attributionResolver.js";
import type {
  AuditFilter,
  Basis,
  EventFilter,
  EventView,
  Holder,
  PoolState,
  PoolSummary,
} from "../../projections/sqlite/queries.js";
import type { AllowHolder, AllowlistSelector } from "../operator/allowlistQuery.js";
import type { LeanReads } from "./leanReads.js";
import type { ReadSourceOptions } from "./readSource.js";

/** Where to read and how: the source options plus consistency and following. */
export interface ReadModelOptions extends ReadSourceOptions {
  /** Wait until the projection has caught up with the log before answering. */
  readonly consistent?: boolean;
  readonly consistentTimeoutMs?: number;
  /** Keep reading the newest state (a data directory's live projection, a Kafka topic tailed) instead of one snapshot. */
  readonly follow?: boolean;
}

/**
 * The read model: every question the query, audit, operator and console commands ask of the
 * ledger. Three adapters answer it: a running agent over its unix socket, the projection in a
 * data directory, and a projection rebuilt from a Kafka log. The commands never know which; one
 * contract suite (test/int/readModel/readModelContract.ts) holds every adapter to the same answers.
 *
 * @example
 *   const model = await openReadModel({ dataDir: "/var/lib/ipledger", topic: "ipledger-events", kafkaPartitions: 6 });
 *   try { console.log(await model.pools()) } finally { await model.close() }
 */
export interface ReadModel {
  /** The log position the answers reflect: partition → next offset folded. */
  basis(): Promise<Basis>;
  /** Every pool with its window and counts, as `ipledger pools` prints them. */
  pools(): Promise<PoolSummary[]>;
  /** Who held `ip` at `atMs` (one holder per allocation domain, or only `domain`'s). */
  who(ip: string, atMs: number, domain?: string): Promise<Holder[]>;
  /** Who held each address of `cidr` at `atMs`, page by page. */
  whoCidr(cidr: string, atMs: number, domain?: string): AsyncGenerator<Holder[]>;
  /** Ownership intervals matching `filter`, oldest first, page by page. */
  tenancies(filter: AuditFilter): AsyncGenerator<Holder[]>;
  /** Events matching `filter`, in log order, page by page. */
  events(filter: EventFilter): AsyncGenerator<EventView[]>;
  /** A pool's window and holders at `atMs`. */
  poolState(pool: string, atMs: number, domain?: string): Promise<PoolState>;
  /** A batch of probes; the local adapters keep one cached resolver across batches. */
  attribute(probes: readonly { readonly ip: string; readonly atMs: number }[]): Promise<Attribution[]>;
  /** The holders an allow-list covers, now or at `atMs`; UNKNOWN_POOL for a pool or network never seen. */
  allowlist(selector: AllowlistSelector, atMs?: number): Promise<AllowHolder[]>;
  /**
   * Present when the answers come from a frozen projection on this machine: indexed reads that
   * aggregate without whole rows (the console's grid, timeline and utilisation). Every answer
   * of one model comes from the same snapshot, so it may be cached for the model's life.
   */
  readonly lean?: LeanReads;
  close(): Promise<void>;
}
