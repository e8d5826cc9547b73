import { createHash, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import { EVENT_SCHEMA_VERSION, LedgerError, type EventOf, type UnchainedEvent } from "../../ledger/core/index.js";
import type { EventLog } from "../../ledger/log/eventLog.js";
import { canonicalJson } from "../../ledger/log/hashChain.js";

/**
 * Signed checkpoints: an ed25519 signature over one partition's chain head (offset and hash) at
 * the signer's clock. The hash chain alone shows that nothing was edited *relative to the chain*;
 * someone who rewrites a whole partition and recomputes every hash defeats it. A signature made
 * with a key they do not hold cannot be recomputed, so `verify --public-key` proves that the
 * history up to each signed head existed, unchanged, when it was signed.
 */

export type CheckpointData = EventOf<"CheckpointSigned">["data"];

/** The head a checkpoint signs. */
export interface ChainHead {
  readonly partition: number;
  readonly offset: number;
  readonly hash: string;
}

/** The first 16 hex digits of sha256 of the public key (SPKI DER): names the key in events and reports. */
export function keyIdOf(key: KeyObject): string {
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  return createHash("sha256")
    .update(publicKey.export({ type: "spki", format: "der" }))
    .digest("hex")
    .slice(0, 16);
}

/** The exact bytes signed: canonical JSON of the head, the signing time and the key id. */
export function checkpointPayload(head: ChainHead, at: string, keyId: string): Buffer {
  return Buffer.from(
    canonicalJson({
      purpose: "ipledger-checkpoint",
      v: 1,
      partition: head.partition,
      offset: head.offset,
      hash: head.hash,
      at,
      keyId,
    }),
  );
}

/**
 * A `CheckpointSigned` event for `head`, to append to `domain` (a domain of the head's partition).
 *
 * @example const event = signedCheckpointEvent(key, head, { domain, pool, at, actor, id });
 */
export function signedCheckpointEvent(
  privateKey: KeyObject,
  head: ChainHead,
  envelope: {
    readonly domain: string;
    readonly pool: string;
    readonly at: string;
    readonly actor: UnchainedEvent["actor"];
    readonly id: string;
  },
): UnchainedEvent {
  const keyId = keyIdOf(privateKey);
  const signature = sign(null, checkpointPayload(head, envelope.at, keyId), privateKey).toString("base64");
  return {
    v: EVENT_SCHEMA_VERSION,
    id: envelope.id,
    type: "CheckpointSigned",
    domain: envelope.domain,
    pool: envelope.pool,
    at: envelope.at,
    actor: envelope.actor,
    data: { algorithm: "ed25519", keyId, partition: head.partition, offset: head.offset, hash: head.hash, signature },
  };
}

/** What `verify --public-key` found. */
export interface CheckpointReport {
  readonly ok: boolean;
  /** Checkpoints signed by one of the given keys whose signature and head both hold. */
  readonly verified: number;
  /** Checkpoints signed by keys not given (not judged). */
  readonly otherKeys: number;
  /** Per partition, the newest head a verified checkpoint covers and when it was signed. */
  readonly covered: Record<string, { readonly offset: number; readonly signedAt: string; readonly keyId: string }>;
  readonly problem?: string;
  /** Where the first problem is: the checkpoint event, or the log record its head names. */
  readonly at?: { readonly partition: number; readonly offset: number };
}

interface Found {
  readonly partition: number;
  readonly offset: number;
  readonly at: string;
  readonly data: CheckpointData;
}

const CHUNK = 5_000;

async function findCheckpoints(log: EventLog): Promise<Found[]> {
  const found: Found[] = [];
  for (const [partition, end] of [...(await log.endOffsets())].sort(([a], [b]) => a - b)) {
    for (let offset = 0; offset < end;) {
      const batch = await log.read(partition, offset, Math.min(CHUNK, end - offset));
      if (batch.length === 0) break;
      for (const { event, offset: at } of batch) {
        if (event.type === "CheckpointSigned") found.push({ partition, offset: at, at: event.at, data: event.data });
      }
      offset = (batch[batch.length - 1]?.offset ?? offset) + 1;
    }
  }
  return found;
}

/**
 * Checks every `CheckpointSigned` event of the log signed by one of `publicKeys`: the signature
 * must verify, and the record at the signed (partition, offset) must carry the signed hash. Run
 * it after the hash chain itself was verified (`verifyLedger`): then each record's hash stands
 * for everything before it. At least one checkpoint by a given key must exist.
 *
 * @example const report = await verifySignedCheckpoints(log, [createPublicKey(pem)]);
 */
export async function verifySignedCheckpoints(
  log: EventLog,
  publicKeys: readonly KeyObject[],
): Promise<CheckpointReport> {
  const keys = new Map(publicKeys.map((key) => [keyIdOf(key), key.type === "private" ? createPublicKey(key) : key]));
  const covered: Record<string, { offset: number; signedAt: string; keyId: string }> = {};
  let verified = 0;
  let otherKeys = 0;
  const fail = (problem: string, at: { partition: number; offset: number }): CheckpointReport => ({
    ok: false,
    verified,
    otherKeys,
    covered,
    problem,
    at,
  });
  for (const checkpoint of await findCheckpoints(log)) {
    const { data } = checkpoint;
    const key = keys.get(data.keyId);
    if (!key) {
      otherKeys += 1;
      continue;
    }
    const where = `the checkpoint at partition ${checkpoint.partition} offset ${checkpoint.offset}`;
    const signed = verify(
      null,
      checkpointPayload(data, checkpoint.at, data.keyId),
      key,
      Buffer.from(data.signature, "base64"),
    );
    if (!signed)
      return fail(`${where} does not verify with key ${data.keyId}: the checkpoint was forged or edited`, checkpoint);
    const [record] = await log.read(data.partition, data.offset, 1);
    if (!record || record.offset !== data.offset) {
      return fail(
        `partition ${data.partition} offset ${data.offset} is missing, but ${where} (signed ${checkpoint.at}) covers it: history was deleted`,
        { partition: data.partition, offset: data.offset },
      );
    }
    if (record.event.hash !== data.hash) {
      return fail(
        `partition ${data.partition} offset ${data.offset} hashes to ${String(record.event.hash).slice(0, 16)}… but ${where} (signed ${checkpoint.at}) says ${data.hash.slice(0, 16)}…: the history up to that record was rewritten after it was signed`,
        { partition: data.partition, offset: data.offset },
      );
    }
    verified += 1;
    const previous = covered[String(data.partition)];
    const signedMs = Date.parse(checkpoint.at);
    const signedAt = Number.isFinite(signedMs) ? new Date(signedMs).toISOString() : checkpoint.at;
    if (!previous || previous.offset < data.offset)
      covered[String(data.partition)] = { offset: data.offset, signedAt, keyId: data.keyId };
  }
  if (verified === 0) {
    const ids = [...keys.keys()].join(", ");
    return {
      ok: false,
      verified,
      otherKeys,
      covered,
      problem: `no checkpoint signed by key ${ids} is in the log; was the agent started with --signing-key, and is this its public key?`,
    };
  }
  return { ok: true, verified, otherKeys, covered };
}

/** Refuses keys that are not ed25519, naming where the key came from. */
export function requireEd25519(key: KeyObject, source: string): KeyObject {
  if (key.asymmetricKeyType !== "ed25519") {
    throw new LedgerError(
      "INVALID_CONFIG",
      `${source} holds a ${key.asymmetricKeyType ?? "symmetric"} key; signed checkpoints need ed25519 (openssl genpkey -algorithm ed25519 -out key.pem)`,
      { key: source },
    );
  }
  return key;
}
