import { z } from "zod";

/**
 * The events of the ledger, as zod schemas and their inferred types. Every event shares one
 * envelope `{ v, id, type, domain, pool, at, actor, data, prev, hash }`; `prev` and `hash` are
 * filled by the log adapter when the event is appended (they chain one partition).
 */

export const EVENT_SCHEMA_VERSION = 1;

export const ownerSchema = z.object({
  containerId: z.string().min(1),
  ifName: z.string().min(1),
  podNamespace: z.string(),
  podName: z.string(),
  podUid: z.string(),
  node: z.string(),
});
export type Owner = z.infer<typeof ownerSchema>;

export const actorSchema = z.object({
  node: z.string(),
  component: z.string(),
  user: z.string().optional(),
});
export type Actor = z.infer<typeof actorSchema>;

export const RELEASE_REASONS = ["cni-del", "cni-gc", "pod-deleted", "admin", "admin-reset", "rollback"] as const;
export type ReleaseReason = (typeof RELEASE_REASONS)[number];

/** A position in the log: the partition and the offset inside it. */
export const basisSchema = z.record(z.string(), z.number().int().nonnegative());

/** A pool's definition, as `PoolDefined` records it and as commands carry it. */
export const poolDefinitionSchema = z.object({
  range: z.string(),
  start: z.string(),
  end: z.string(),
  exclude: z.array(z.string()),
  gateway: z.string().optional(),
  networkName: z.string(),
  reuseCooldownSeconds: z.number().int().nonnegative().default(0),
});

/** Where an allocation came from; absent = made by an agent (CNI ADD). */
export const ALLOCATION_SOURCES = ["import"] as const;

const addressAllocatedData = z.object({
  ip: z.string(),
  owner: ownerSchema,
  requested: z.boolean(),
  basis: basisSchema,
  /** `import`: copied from a Whereabouts IPPool by `ipledger import-whereabouts`. The fold treats it like any other allocation. */
  source: z.enum(ALLOCATION_SOURCES).optional(),
});

const addressReleasedData = z.object({
  ip: z.string(),
  owner: ownerSchema,
  reason: z.enum(RELEASE_REASONS),
  note: z.string().optional(),
});

const allocationAdoptedData = z.object({
  ip: z.string(),
  fromContainerId: z.string(),
  toContainerId: z.string(),
  owner: ownerSchema,
});

const reservationData = z.object({
  target: z.string(),
  note: z.string(),
});

/**
 * A signature over one partition's hash-chain head (`offset`, `hash`) at the writer's `at`,
 * made with an ed25519 key whose public key's sha256 starts with `keyId`: proof that the
 * history up to that head existed then. The fold accepts it and changes nothing.
 */
const checkpointSignedData = z.object({
  algorithm: z.literal("ed25519"),
  keyId: z.string().min(1),
  partition: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative(),
  hash: z.string().min(1),
  signature: z.string().min(1),
});

const envelope = {
  v: z.literal(EVENT_SCHEMA_VERSION),
  id: z.string().min(1),
  domain: z.string(),
  pool: z.string().min(1),
  at: z.string().min(1),
  actor: actorSchema,
  prev: z.string().optional(),
  hash: z.string().optional(),
};

export const ledgerEventSchema = z.discriminatedUnion("type", [
  z.object({ ...envelope, type: z.literal("PoolDefined"), data: poolDefinitionSchema }),
  z.object({ ...envelope, type: z.literal("AddressAllocated"), data: addressAllocatedData }),
  z.object({ ...envelope, type: z.literal("AddressReleased"), data: addressReleasedData }),
  z.object({ ...envelope, type: z.literal("AllocationAdopted"), data: allocationAdoptedData }),
  z.object({ ...envelope, type: z.literal("AddressReserved"), data: reservationData }),
  z.object({ ...envelope, type: z.literal("ReservationLifted"), data: reservationData }),
  z.object({ ...envelope, type: z.literal("CheckpointSigned"), data: checkpointSignedData }),
]);

export type LedgerEvent = z.infer<typeof ledgerEventSchema>;
export type EventType = LedgerEvent["type"];
export type EventOf<T extends EventType> = Extract<LedgerEvent, { type: T }>;
export type PoolDefinition = EventOf<"PoolDefined">["data"];

/** An event with its place in the log. Offsets start at 0 and are contiguous per partition. */
export interface LoggedEvent {
  readonly partition: number;
  readonly offset: number;
  readonly event: LedgerEvent;
}

/** An event before the log chains it (no `prev`, no `hash`). */
export type UnchainedEvent = LedgerEvent extends infer E
  ? E extends LedgerEvent
    ? Omit<E, "prev" | "hash">
    : never
  : never;
