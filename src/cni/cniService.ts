import { randomUUID } from "node:crypto";
import {
  addressKey,
  attachmentKeyOf,
  decideAllocation,
  decideGarbageCollection,
  decideRelease,
  LedgerError,
  parseAddress,
  type Actor,
  type AllocationDecision,
  type Outcome,
} from "../../ledger/core/index.js";
import { appendAndWait } from "./appendAndWait.js";
import { logAdd } from "./cniLog.js";
import { checkAttachment, checkStatus } from "./cniReadVerbs.js";
import { parseCniRequest, type CniRequestBody, type ParsedCniRequest } from "./cniRequest.js";
import { buildCniResult, serializeResult } from "./cniResult.js";
import type { AddOutcome, CniServiceDeps } from "./cniServiceDeps.js";
import { ContentionTracker } from "./contention.js";
import { createDefinitionGate } from "./definitionGate.js";
import { createFailedAttachments } from "./foldBarrier.js";
import { KeyedLock } from "./keyedLock.js";
import { createUnsettledClaims, type UnsettledClaim } from "./unsettledClaims.js";

export type { ServiceLogger } from "./cniLog.js";
export type { AddOutcome, CniServiceDeps } from "./cniServiceDeps.js";

/**
 * The CNI verbs against the ledger. ADD decides on the current view, appends, waits for the fold
 * and, when a claim was voided by a concurrent writer, decides again on the newer view.
 */
export function createCniService(deps: CniServiceDeps) {
  const now = deps.now ?? (() => new Date());
  const random = deps.random ?? Math.random;
  const newId = deps.newId ?? randomUUID;
  const timeoutMs = deps.appendTimeoutMs ?? 5_000;
  const maxAttempts = deps.maxAttempts ?? 12;
  const actor: Actor = { node: deps.node, component: "agent" };
  const inflight = new Set<string>();
  const contention = new ContentionTracker();
  const locks = new KeyedLock();
  const definitions = createDefinitionGate({ log: deps.log, runner: deps.runner, actor, now, newId, timeoutMs });
  const unsettled = createUnsettledClaims(deps.runner, deps.onRollbackFailed);
  const failedBefore = createFailedAttachments(deps.log, deps.runner, timeoutMs);

  const parse = (body: CniRequestBody, needsAttachment = true): Promise<ParsedCniRequest> =>
    parseCniRequest(body, { node: deps.node, needsAttachment, ...(deps.flatFile ? { flatFile: deps.flatFile } : {}) });

  type Attempt = { decision: AllocationDecision; outcomes: Map<string, Outcome>; result: Record<string, unknown> };

  const decide = (request: ParsedCniRequest, attempt: number): AllocationDecision =>
    decideAllocation(
      {
        kind: "AllocateAddresses",
        now: now().toISOString(),
        actor,
        requestId: newId(),
        owner: request.owner,
        pools: [...request.targets],
        requested: [...request.requested],
        sticky: request.sticky,
        spread: attempt === 0 ? contention.spread() : Math.max(2, contention.spread()),
        random: request.targets.map(() => random()),
        avoid: [...inflight],
        contention: { node: deps.node, recentVoids: contention.recentVoids(), inFlight: inflight.size },
      },
      deps.runner.state,
    );

  async function allocateOnce(request: ParsedCniRequest, attempt: number, failed: UnsettledClaim[]): Promise<Attempt> {
    deps.runner.assertServing();
    let decision = decide(request, attempt);
    if (decision.events.some((event) => event.type === "PoolDefined")) {
      // A pool's definition goes into the log, and the fold, before the first claim on it (decided
      // first, so a request that cannot be met defines nothing); then decide on that state.
      await definitions.ensure(request.targets);
      decision = decide(request, attempt);
    }
    // The answer is built and serialized before the claim is appended: if it cannot be, nothing is.
    const result = buildCniResult(request, decision.pools);
    serializeResult(result);
    const claimed = decision.events.flatMap((event) =>
      event.type === "AddressAllocated" ? [keyOf(event.data.ip)] : [],
    );
    claimed.forEach((key) => inflight.add(key));
    const watch = unsettled.watch(decision.events);
    try {
      const outcomes = await appendAndWait(deps.log, deps.runner, decision.events, timeoutMs);
      watch.cancel();
      return { decision, result, outcomes };
    } catch (error) {
      failed.push(watch); // appended but not yet folded: settled once the fold gets there
      throw error;
    } finally {
      claimed.forEach((key) => inflight.delete(key));
    }
  }

  async function rollback(request: ParsedCniRequest, ips: readonly string[]): Promise<void> {
    if (ips.length === 0) return;
    const events = decideRelease(
      {
        kind: "ReleaseAttachment",
        now: now().toISOString(),
        actor,
        requestId: newId(),
        containerId: request.owner.containerId,
        ifName: request.owner.ifName,
        reason: "rollback",
        poolKeys: [...request.poolKeys],
        onlyIps: [...ips],
      },
      deps.runner.state,
    );
    await appendAndWait(deps.log, deps.runner, events, timeoutMs);
    deps.onReleased?.(events.length);
  }

  async function add(body: CniRequestBody): Promise<AddOutcome> {
    const request = await parse(body);
    return locks.run(attachmentKeyOf(request.owner), async () => {
      const allocatedHere = new Set<string>();
      const failed: UnsettledClaim[] = [];
      await failedBefore.settled(attachmentKeyOf(request.owner));
      try {
        for (let attempt = 0; attempt < maxAttempts; attempt += 1) {
          const { decision, outcomes, result } = await allocateOnce(request, attempt, failed);
          const voids = decision.events.filter(
            (event) => outcomes.get(event.id)?.status === "voided" && event.type !== "PoolDefined",
          );
          const accepted = decision.events.filter(
            (event) => event.type === "AddressAllocated" && outcomes.get(event.id)?.status === "accepted",
          );
          accepted.forEach((event) => allocatedHere.add((event.data as { ip: string }).ip));
          deps.onAllocated?.(accepted.length);
          if (voids.length === 0) {
            contention.recordSuccess();
            unsettled.answered(attachmentKeyOf(request.owner));
            logAdd(deps.logger, request, decision.pools);
            return { result, pools: decision.pools };
          }
          voids.forEach((event) => deps.onVoided?.(outcomes.get(event.id)?.reason ?? "voided"));
          contention.recordVoid();
          await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * Math.min(50, 2 ** attempt))));
        }
        throw new LedgerError(
          "CONTENTION",
          `gave up after ${maxAttempts} attempts: other writers kept claiming the same addresses in ${request.targets.map((t) => t.pool).join(", ")}; retry the ADD`,
        );
      } catch (error) {
        // A later range failed: give back what this request took in the earlier ones (Whereabouts leaks them).
        await rollback(request, [...allocatedHere]).catch((rollbackError: unknown) => {
          deps.logger?.error(
            {
              err: rollbackError,
              containerId: request.owner.containerId,
              ifName: request.owner.ifName,
              ips: [...allocatedHere],
            },
            "CNI ADD failed and its rollback failed too: these addresses stay held until a DEL, a GC or the pod reconciler releases them",
          );
        });
        const key = attachmentKeyOf(request.owner);
        failedBefore.mark(key);
        for (const claim of failed)
          unsettled.settleLater(
            key,
            claim,
            (ips) => rollback(request, ips),
            (run) => locks.run(key, run),
          );
        throw error;
      }
    });
  }

  async function del(body: CniRequestBody): Promise<void> {
    const request = await parse(body);
    const key = attachmentKeyOf(request.owner);
    await locks.run(key, async () => {
      await failedBefore.settled(key);
      const events = decideRelease(
        {
          kind: "ReleaseAttachment",
          now: now().toISOString(),
          actor,
          requestId: newId(),
          containerId: request.owner.containerId,
          ifName: request.owner.ifName,
          reason: "cni-del",
        },
        deps.runner.state,
      );
      try {
        await appendAndWait(deps.log, deps.runner, events, timeoutMs);
      } catch (error) {
        failedBefore.mark(key);
        throw error;
      }
      deps.onReleased?.(events.length);
    });
  }

  /** CHECK: the ledger still records the addresses of the ADD result for this attachment. */
  async function check(body: CniRequestBody): Promise<void> {
    checkAttachment(deps.runner.state, await parse(body));
  }

  async function gc(body: CniRequestBody): Promise<number> {
    const request = await parse(body, false);
    const list = request.config["cni.dev/valid-attachments"] ?? request.config["cni.dev/attachments"] ?? [];
    if (!Array.isArray(list))
      throw new LedgerError("INVALID_CONFIG", "cni.dev/valid-attachments must be a list of {containerID, ifname}", {
        key: "cni.dev/valid-attachments",
      });
    const valid = list.map((entry: { containerID?: unknown; ifname?: unknown }) =>
      attachmentKeyOf({ containerId: String(entry.containerID ?? ""), ifName: String(entry.ifname ?? "") }),
    );
    // The list is this node's runtime's: only this node's holdings are collected against it.
    const events = decideGarbageCollection(
      {
        kind: "CollectGarbage",
        now: now().toISOString(),
        actor,
        requestId: newId(),
        node: deps.node,
        poolKeys: [...request.poolKeys],
        validAttachments: valid,
      },
      deps.runner.state,
    );
    await appendAndWait(deps.log, deps.runner, events, timeoutMs);
    deps.onReleased?.(events.length);
    return events.length;
  }

  /** STATUS: ready when the fold is caught up and every configured pool still has a free address. */
  async function status(body: CniRequestBody): Promise<void> {
    await checkStatus(deps.runner, await parse(body, false), now().getTime());
  }

  return { add, del, check, gc, status, contention };
}

function keyOf(ip: string): string {
  const address = parseAddress(ip);
  return address ? addressKey(address) : ip;
}

export type CniService = ReturnType<typeof createCniService>;
