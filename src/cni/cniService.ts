import { randomUUID } from "node:crypto";
import {
  addressKey,
  attachmentKeyOf,
  decideAllocation,
  decideGarbageCollection,
  decideRelease,
  formatAddress,
  LedgerError,
  lowestFree,
  parseAddress,
  poolKeyOf,
  type Actor,
  type AllocationDecision,
  type Outcome,
  type PoolDecision,
} from "../../ledger/core/index.js";
import type { EventLog } from "../../ledger/log/eventLog.js";
import type { ProjectionRunner } from "../../projections/runner.js";
import { foldPassesLogEnd } from "./foldBarrier.js";
import { appendAndWait } from "./appendAndWait.js";
import { parseCniRequest, type CniRequestBody, type ParsedCniRequest } from "./cniRequest.js";
import { buildCniResult, prevResultAddresses, serializeResult } from "./cniResult.js";
import { ContentionTracker } from "./contention.js";
import { createDefinitionGate } from "./definitionGate.js";
import type { FlatFileOptions } from "./flatFile.js";
import { KeyedLock } from "./keyedLock.js";
import { createUnsettledClaims, type UnsettledClaim } from "./unsettledClaims.js";

/** The subset of a pino logger the service writes to. */
export interface ServiceLogger {
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

export interface CniServiceDeps {
  readonly log: EventLog;
  readonly runner: ProjectionRunner;
  readonly node: string;
  readonly now?: () => Date;
  readonly random?: () => number;
  readonly newId?: () => string;
  /** How long one append plus fold may take before the request fails with code 11. */
  readonly appendTimeoutMs?: number;
  /** Decide-append rounds before giving up on a contended pool. */
  readonly maxAttempts?: number;
  readonly onVoided?: (reason: string) => void;
  readonly onAllocated?: (count: number) => void;
  readonly onReleased?: (count: number) => void;
  /** A claim of a failed ADD could not be released once the fold applied it. */
  readonly onRollbackFailed?: (error: unknown) => void;
  /** Where `configuration_path` may point, and the size cap; Whereabouts' directories when absent. */
  readonly flatFile?: FlatFileOptions;
  /** One line per ADD (a warning when its config needs a look), and failed rollbacks. */
  readonly logger?: ServiceLogger;
}

export type AddOutcome = { readonly result: Record<string, unknown>; readonly pools: readonly PoolDecision[] };

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
  // Attachments whose last ADD or DEL failed, perhaps after appending: the next call for one
  // decides only once the fold has passed the log's end (see foldPassesLogEnd).
  const unfolded = new Set<string>();
  const afterEarlierFailure = async (key: string): Promise<void> => {
    if (!unfolded.has(key)) return;
    await foldPassesLogEnd(deps.log, deps.runner, timeoutMs);
    unfolded.delete(key);
  };

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
      await afterEarlierFailure(attachmentKeyOf(request.owner));
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
            logAdd(request, decision.pools);
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
        unfolded.add(key);
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

  function logAdd(request: ParsedCniRequest, pools: readonly PoolDecision[]): void {
    const { owner } = request;
    const line = {
      containerId: owner.containerId,
      ifName: owner.ifName,
      pod: owner.podName === "" ? undefined : `${owner.podNamespace}/${owner.podName}`,
      ips: pools.map((pool) => `${pool.ip}/${pool.prefix}`),
    };
    if (request.warnings.length > 0)
      deps.logger?.warn({ ...line, warnings: request.warnings }, "CNI ADD (the configuration needs a look)");
    else deps.logger?.info(line, "CNI ADD");
  }

  async function del(body: CniRequestBody): Promise<void> {
    const request = await parse(body);
    const key = attachmentKeyOf(request.owner);
    await locks.run(key, async () => {
      await afterEarlierFailure(key);
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
        unfolded.add(key);
        throw error;
      }
      deps.onReleased?.(events.length);
    });
  }

  async function check(body: CniRequestBody): Promise<void> {
    const request = await parse(body);
    const expected = prevResultAddresses(request.config);
    if (expected === undefined)
      throw new LedgerError(
        "CHECK_FAILED",
        "CHECK needs prevResult with the ips of the ADD result; the runtime must pass it",
        { key: "prevResult" },
      );
    const held = new Set<string>();
    for (const key of request.poolKeys) {
      const holding = deps.runner.state.pools.get(key)?.byAttachment.get(attachmentKeyOf(request.owner));
      if (holding) held.add(holding.ip);
    }
    const statics = new Set(
      (request.ipam.addresses ?? []).map((entry) => normalize(entry.address.split("/")[0] ?? "")),
    );
    const missing = expected.filter((ip) => !statics.has(normalize(ip)) && !held.has(normalize(ip)));
    if (missing.length > 0) {
      throw new LedgerError(
        "CHECK_FAILED",
        `the ledger does not record ${missing.join(", ")} for container ${request.owner.containerId} interface ${request.owner.ifName}; delete and re-add the attachment`,
      );
    }
    if (held.size < request.targets.length) {
      throw new LedgerError(
        "CHECK_FAILED",
        `container ${request.owner.containerId} interface ${request.owner.ifName} holds ${held.size} of ${request.targets.length} configured ranges; delete and re-add the attachment`,
      );
    }
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
    const request = await parse(body, false);
    if (!(await deps.runner.caughtUp()))
      throw new LedgerError("NOT_READY", "the agent is still catching up with the log; retry shortly");
    for (const target of request.targets) {
      const record = deps.runner.state.pools.get(poolKeyOf(target.domain, target.pool));
      if (!record) continue;
      const free = lowestFree(
        deps.runner.state.domains.get(target.domain),
        record,
        request.owner,
        now().getTime(),
        new Set(),
        1,
      );
      if (free.length === 0)
        throw new LedgerError(
          "POOL_EXHAUSTED",
          `pool ${target.pool} has no free address; widen the range or release addresses`,
        );
    }
  }

  return { add, del, check, gc, status, contention };
}

function keyOf(ip: string): string {
  const address = parseAddress(ip);
  return address ? addressKey(address) : ip;
}

function normalize(ip: string): string {
  const address = parseAddress(ip);
  return address ? formatAddress(address) : ip;
}

export type CniService = ReturnType<typeof createCniService>;
