import type { ContentionSeen } from "./contention.js";
import type { Actor, Owner, PoolDefinition, ReleaseReason } from "./events.js";

/**
 * Commands: what a caller asks the ledger to do. Time (`now`), the request id (`requestId`, from
 * which the events' ids are stamped) and randomness (`random`) come in with the command so
 * `decide` stays pure and replayable in tests. Commands are built by the agent from input that
 * its edges already validated (the CNI config, the operator request schema), so they are plain
 * types, not schemas: nothing parses a command.
 */

/** One range of a CNI config, already resolved to its pool. */
export interface TargetPool {
  readonly domain: string;
  readonly pool: string;
  readonly definition: PoolDefinition;
  /**
   * An address the main plugin takes for itself although no gateway is configured (the bridge
   * with `isGateway` takes the subnet's first host): never handed out, like `definition.gateway`.
   */
  readonly implicitGateway?: string | undefined;
}

/** What every command carries. */
export interface CommandStamp {
  readonly now: string;
  readonly actor: Actor;
  /** Names this one decision; its events are `${requestId}/0`, `/1`, … A retry needs a new one. */
  readonly requestId: string;
}

export interface AllocateAddresses extends CommandStamp {
  readonly kind: "AllocateAddresses";
  readonly owner: Owner;
  readonly pools: readonly TargetPool[];
  /** Addresses asked for (runtimeConfig.ips, CNI_ARGS IP=), without prefix. */
  readonly requested: readonly string[];
  readonly sticky: boolean;
  /** Pick among the lowest `spread` free addresses (1 = lowest free, Whereabouts' order). */
  readonly spread: number;
  /** Uniform numbers in [0, 1), one per pool, used only when `spread` > 1. */
  readonly random: readonly number[];
  /** Address keys this writer has claimed but not yet seen folded: never pick them again. */
  readonly avoid: readonly string[];
  /**
   * Pool keys whose current definition this writer has appended but not yet seen folded: do not
   * define them again (a burst of ADDs on a new pool would otherwise write one PoolDefined each).
   */
  readonly definitionsInFlight?: readonly string[] | undefined;
  /**
   * What the writer has seen of other writers. When it shows contention, dynamic picks start at
   * the node's hashed place in the window instead of its start (see `spreadStart`); absent, the
   * lowest free address, as Whereabouts gives it.
   */
  readonly contention?: ContentionSeen | undefined;
}

export interface ReleaseAttachment extends CommandStamp {
  readonly kind: "ReleaseAttachment";
  readonly containerId: string;
  readonly ifName: string;
  readonly reason: ReleaseReason;
  /** Limit to these pool keys; all pools when absent. */
  readonly poolKeys?: readonly string[] | undefined;
  /** Only these addresses (e.g. a rollback of what one request allocated). */
  readonly onlyIps?: readonly string[] | undefined;
}

export interface CollectGarbage extends CommandStamp {
  readonly kind: "CollectGarbage";
  readonly poolKeys: readonly string[];
  /** `containerId ifName` keys (see `attachmentKeyOf`) that are still valid. */
  readonly validAttachments: readonly string[];
  /**
   * The node whose container runtime sent the list. The list speaks only for that runtime, so
   * only holdings whose `owner.node` is this node are collected; every other node's are kept.
   */
  readonly node: string;
}

export type Command = AllocateAddresses | ReleaseAttachment | CollectGarbage;
