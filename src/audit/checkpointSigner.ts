import { randomUUID, type KeyObject } from "node:crypto";
import type { Actor, LedgerEvent } from "../../ledger/core/index.js";
import type { EventLog } from "../../ledger/log/eventLog.js";
import type { ProjectionRunner } from "../../projections/runner.js";
import { signedCheckpointEvent } from "./signedCheckpoints.js";

export interface CheckpointSignerDeps {
  readonly log: EventLog;
  readonly runner: ProjectionRunner;
  readonly privateKey: KeyObject;
  readonly actor: Actor;
  /** How often heads that moved are signed. */
  readonly intervalMs: number;
  readonly now?: () => Date;
  readonly newId?: () => string;
  readonly onError?: (error: unknown) => void;
}

interface Head {
  readonly offset: number;
  readonly event: LedgerEvent;
}

/**
 * Periodically appends a `CheckpointSigned` event to every partition whose chain moved since
 * its last checkpoint, signing the head the agent's fold has reached. A partition whose newest
 * event is already a checkpoint is left alone, so an idle ledger gains nothing (and several
 * signing agents do not sign each other's checkpoints forever).
 *
 * @example
 *   const signer = startCheckpointSigner({ log, runner, privateKey, actor, intervalMs: 300_000 });
 *   await signer.signNow();
 *   await signer.stop();
 */
export function startCheckpointSigner(deps: CheckpointSignerDeps) {
  const now = deps.now ?? (() => new Date());
  const newId = deps.newId ?? randomUUID;
  const heads = new Map<number, Head>();
  let loaded = false;
  let running: Promise<number> | undefined;
  let stopped = false;

  const unsubscribe = deps.runner.onApplied((applied) => {
    for (const { logged } of applied) {
      const known = heads.get(logged.partition);
      if (!known || known.offset < logged.offset)
        heads.set(logged.partition, { offset: logged.offset, event: logged.event });
    }
  });

  /** The heads the fold reached before this signer subscribed. */
  async function loadHeads(): Promise<void> {
    for (const [partition, next] of deps.runner.position()) {
      if (next === 0 || (heads.get(partition)?.offset ?? -1) >= next - 1) continue;
      const [last] = await deps.log.read(partition, next - 1, 1);
      if (last && (heads.get(partition)?.offset ?? -1) < last.offset)
        heads.set(partition, { offset: last.offset, event: last.event });
    }
    loaded = true;
  }

  async function signMoved(): Promise<number> {
    if (!loaded) await loadHeads();
    let appended = 0;
    for (const [partition, head] of [...heads].sort(([a], [b]) => a - b)) {
      if (head.event.type === "CheckpointSigned" || head.event.hash === undefined) continue;
      const event = signedCheckpointEvent(
        deps.privateKey,
        { partition, offset: head.offset, hash: head.event.hash },
        { domain: head.event.domain, pool: head.event.pool, at: now().toISOString(), actor: deps.actor, id: newId() },
      );
      const written = await deps.log.append(head.event.domain, [event]);
      // Until the fold delivers it, remember the checkpoint as the head so the next round skips it.
      const known = heads.get(written.partition);
      if (!known || known.offset < written.lastOffset)
        heads.set(written.partition, { offset: written.lastOffset, event: event as LedgerEvent });
      appended += 1;
    }
    return appended;
  }

  /** Signs now; one round at a time. Resolves with how many checkpoints were appended. */
  function signNow(): Promise<number> {
    running ??= signMoved().finally(() => (running = undefined));
    return running;
  }

  const timer = setInterval(() => {
    if (!stopped && running === undefined) signNow().catch((error: unknown) => deps.onError?.(error));
  }, deps.intervalMs);
  timer.unref();

  return {
    signNow,
    async stop(): Promise<void> {
      stopped = true;
      clearInterval(timer);
      unsubscribe();
      await running?.catch(() => undefined);
    },
  };
}

export type CheckpointSigner = ReturnType<typeof startCheckpointSigner>;
