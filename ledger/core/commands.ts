import { z } from "zod";
import { actorSchema, ownerSchema, poolDefinitionSchema, RELEASE_REASONS } from "./events.js";

/**
 * Commands: what a caller asks the ledger to do. Time (`now`), ids (`eventIds`) and randomness
 * (`random`) come in with the command so `decide` stays pure and replayable in tests.
 */

/** One range of a CNI config, already resolved to its pool. */
export const targetPoolSchema = z.object({
  domain: z.string(),
  pool: z.string(),
  definition: poolDefinitionSchema,
  /**
   * An address the main plugin takes for itself although no gateway is configured (the bridge
   * with `isGateway` takes the subnet's first host): never handed out, like `definition.gateway`.
   */
  implicitGateway: z.string().optional(),
});
export type TargetPool = z.infer<typeof targetPoolSchema>;

const commandBase = {
  now: z.string(),
  actor: actorSchema,
  eventIds: z.array(z.string()),
};

export const allocateAddressesSchema = z.object({
  ...commandBase,
  kind: z.literal("AllocateAddresses"),
  owner: ownerSchema,
  pools: z.array(targetPoolSchema).min(1),
  /** Addresses asked for (runtimeConfig.ips, CNI_ARGS IP=), without prefix. */
  requested: z.array(z.string()),
  sticky: z.boolean(),
  /** Pick among the lowest `spread` free addresses (1 = lowest free, Whereabouts' order). */
  spread: z.number().int().positive(),
  /** Uniform numbers in [0, 1), one per pool, used only when `spread` > 1. */
  random: z.array(z.number().min(0).lt(1)),
  /** Address keys this writer has claimed but not yet seen folded: never pick them again. */
  avoid: z.array(z.string()),
  /**
   * Pool keys whose current definition this writer has appended but not yet seen folded: do not
   * define them again (a burst of ADDs on a new pool would otherwise write one PoolDefined each).
   */
  definitionsInFlight: z.array(z.string()).optional(),
});
export type AllocateAddresses = z.infer<typeof allocateAddressesSchema>;

export const releaseAttachmentSchema = z.object({
  ...commandBase,
  kind: z.literal("ReleaseAttachment"),
  containerId: z.string().min(1),
  ifName: z.string().min(1),
  reason: z.enum(RELEASE_REASONS),
  /** Limit to these pool keys; all pools when absent. */
  poolKeys: z.array(z.string()).optional(),
  /** Only these addresses (e.g. a rollback of what one request allocated). */
  onlyIps: z.array(z.string()).optional(),
});
export type ReleaseAttachment = z.infer<typeof releaseAttachmentSchema>;

export const collectGarbageSchema = z.object({
  ...commandBase,
  kind: z.literal("CollectGarbage"),
  poolKeys: z.array(z.string()),
  /** `containerId ifName` keys (see `attachmentKeyOf`) that are still valid. */
  validAttachments: z.array(z.string()),
  /**
   * The node whose container runtime sent the list. The list speaks only for that runtime, so
   * only holdings whose `owner.node` is this node are collected; every other node's are kept.
   */
  node: z.string().min(1),
});
export type CollectGarbage = z.infer<typeof collectGarbageSchema>;

export type Command = AllocateAddresses | ReleaseAttachment | CollectGarbage;
