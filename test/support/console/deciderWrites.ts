import { randomUUID } from "node:crypto";
import {
  addressKey,
  decideAllocation,
  decideRelease,
  parseAddress,
  poolKeyOf,
  type Owner,
  type UnchainedEvent,
} from "../../../ledger/core/index.js";
import { appendAndWait } from "../../../src/cni/appendAndWait.js";
import { parseCniRequest, type CniRequestBody } from "../../../src/cni/cniRequest.js";
import type { TestAgent } from "../agent/testAgent.js";

/**
 * Writes through the real decider and log, without the CNI wire format: what a test needs when a
 * value cannot travel in CNI_ARGS (a pod name with `=` or `;`, which a hostile API server or an
 * imported Whereabouts pool could still carry) or when it writes many events quickly. The agent's
 * own runner folds what is appended, exactly as for a CNI ADD.
 */
export interface DeciderWriter {
  /** Allocates as `body` would, with `owner` fields replaced; the addresses it got. */
  allocate(body: CniRequestBody, owner?: Partial<Owner>, requested?: readonly string[]): Promise<string[]>;
  /**
   * Allocates for every body in one append: each decision avoids the addresses the earlier ones
   * claimed (as the service does for requests in flight), so one fold settles them all.
   */
  allocateMany(bodies: readonly CniRequestBody[]): Promise<string[]>;
  /** Releases what `containerId` holds on `net1` (reason `cni-del`). */
  release(containerId: string): Promise<void>;
  /** Releases several sandboxes in one append (each holds its own addresses, so no decision depends on another). */
  releaseMany(containerIds: readonly string[]): Promise<void>;
}

export function deciderWriter(
  agent: Pick<TestAgent, "log" | "runner">,
  now: () => Date,
  node = "node-a",
): DeciderWriter {
  const actor = { node, component: "agent" };
  const append = async (events: readonly UnchainedEvent[]) => {
    const outcomes = await appendAndWait(agent.log, agent.runner, events, 30_000);
    const voided = [...outcomes.values()].find((outcome) => outcome.status !== "accepted");
    if (voided) throw new Error(`the fold voided a test write: ${JSON.stringify(voided)}`);
  };
  const decide = async (
    body: CniRequestBody,
    owner: Partial<Owner>,
    requested: readonly string[] | undefined,
    avoid: readonly string[],
    definitionsInFlight: readonly string[],
  ) => {
    const request = await parseCniRequest(body, { node, needsAttachment: true });
    return decideAllocation(
      {
        kind: "AllocateAddresses",
        now: now().toISOString(),
        actor,
        requestId: randomUUID(),
        owner: { ...request.owner, ...owner },
        pools: [...request.targets],
        requested: [...(requested ?? request.requested)],
        sticky: request.sticky,
        spread: 1,
        random: request.targets.map(() => 0),
        avoid: [...avoid],
        definitionsInFlight: [...definitionsInFlight],
      },
      agent.runner.state,
    );
  };
  const allocated = (events: readonly UnchainedEvent[]) =>
    events.flatMap((event) => (event.type === "AddressAllocated" ? [event.data.ip] : []));
  return {
    async allocate(body, owner = {}, requested) {
      const decision = await decide(body, owner, requested, [], []);
      await append(decision.events);
      return allocated(decision.events);
    },
    async allocateMany(bodies) {
      const events: UnchainedEvent[] = [];
      const avoid = new Set<string>();
      const defined = new Set<string>();
      for (const body of bodies) {
        const decision = await decide(body, {}, undefined, [...avoid], [...defined]);
        for (const event of decision.events) {
          if (event.type === "AddressAllocated")
            avoid.add(addressKey(parseAddress(event.data.ip) as NonNullable<ReturnType<typeof parseAddress>>));
          if (event.type === "PoolDefined") defined.add(poolKeyOf(event.domain, event.pool));
        }
        events.push(...decision.events);
      }
      await append(events);
      return allocated(events);
    },
    async releaseMany(containerIds) {
      await append(
        containerIds.flatMap((containerId) =>
          decideRelease(
            {
              kind: "ReleaseAttachment",
              now: now().toISOString(),
              actor,
              requestId: randomUUID(),
              containerId,
              ifName: "net1",
              reason: "cni-del",
            },
            agent.runner.state,
          ),
        ),
      );
    },
    async release(containerId) {
      await append(
        decideRelease(
          {
            kind: "ReleaseAttachment",
            now: now().toISOString(),
            actor,
            requestId: randomUUID(),
            containerId,
            ifName: "net1",
            reason: "cni-del",
          },
          agent.runner.state,
        ),
      );
    },
  };
}
