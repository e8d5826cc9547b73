import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { EVENT_SCHEMA_VERSION, evolve, initialState, type UnchainedEvent } from "../../../../ledger/core/index.js";
import { createMemoryEventLog } from "../../../../ledger/log/memoryEventLog.js";
import {
  checkpointPayload,
  keyIdOf,
  signedCheckpointEvent,
  verifySignedCheckpoints,
} from "../../../../src/audit/signedCheckpoints.js";

const actor = { node: "n1", component: "agent" };
const pool = (id: string): UnchainedEvent => ({
  v: EVENT_SCHEMA_VERSION,
  id,
  type: "PoolDefined",
  domain: "",
  pool: "10.0.0.0-24",
  at: "2026-11-20T00:00:00.000Z",
  actor,
  data: {
    range: "10.0.0.0/24",
    start: "10.0.0.1",
    end: "10.0.0.254",
    exclude: [id === "a" ? "10.0.0.9" : "10.0.0.8"],
    networkName: "",
    reuseCooldownSeconds: 0,
  },
});

describe("signed checkpoints", () => {
  it("sign a chain head; verify checks the signature and that the record still carries the head's hash", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const log = createMemoryEventLog();
    await log.append("", [pool("a"), pool("b")]);
    const [, head] = await log.read(0, 0, 2);
    const event = signedCheckpointEvent(
      privateKey,
      { partition: 0, offset: 1, hash: head?.event.hash as string },
      { domain: "", pool: "10.0.0.0-24", at: "2026-11-20T00:05:00.000Z", actor, id: "cp1" },
    );
    expect(event).toMatchObject({
      type: "CheckpointSigned",
      data: { algorithm: "ed25519", keyId: keyIdOf(publicKey), partition: 0, offset: 1 },
    });
    expect(keyIdOf(privateKey)).toBe(keyIdOf(publicKey));
    await log.append("", [event]);
    expect(await verifySignedCheckpoints(log, [publicKey])).toEqual({
      ok: true,
      verified: 1,
      otherKeys: 0,
      covered: { "0": { offset: 1, signedAt: "2026-11-20T00:05:00.000Z", keyId: keyIdOf(publicKey) } },
    });
  });

  it("the fold accepts a checkpoint and changes nothing", () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    const state = initialState();
    const event = signedCheckpointEvent(
      privateKey,
      { partition: 0, offset: 0, hash: "ab" },
      { domain: "", pool: "p", at: "2026-11-20T00:05:00.000Z", actor, id: "cp" },
    );
    expect(evolve(state, { partition: 0, offset: 0, event })).toMatchObject({ status: "accepted", effects: [] });
    expect(state.pools.size).toBe(0);
  });

  it("the payload binds the head, the time and the key: any change breaks the signature", () => {
    const head = { partition: 0, offset: 4, hash: "f".repeat(64) };
    const base = checkpointPayload(head, "2026-11-20T00:05:00.000Z", "k1").toString();
    expect(JSON.parse(base)).toEqual({
      purpose: "ipledger-checkpoint",
      v: 1,
      partition: 0,
      offset: 4,
      hash: "f".repeat(64),
      at: "2026-11-20T00:05:00.000Z",
      keyId: "k1",
    });
    for (const other of [
      checkpointPayload({ ...head, offset: 5 }, "2026-11-20T00:05:00.000Z", "k1"),
      checkpointPayload(head, "2026-11-20T00:05:01.000Z", "k1"),
      checkpointPayload(head, "2026-11-20T00:05:00.000Z", "k2"),
    ]) {
      expect(other.toString()).not.toBe(base);
    }
  });
});
