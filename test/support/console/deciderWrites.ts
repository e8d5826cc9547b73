import { randomUUID } from "node:crypto";
import { decideAllocation, decideRelease, type Owner, type UnchainedEvent } from "../../../ledger/core/index.js";
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
  /** Releases what `containerId` holds on `net1` (reason `cni-del`). */
  release(containerId: string): Promise<void>;
}

const ids = (count: number) => Array.from({ length: count }, () => randomUUID());

export function deciderWriter(agent: Pick<TestAgent, "log" | "runner">, now: () => Date, node = "node-a"): DeciderWriter {
  const actor = { node, component: "agent" };
  const append = async (events: readonly UnchainedEvent[]) => {
    const outcomes = await appendAndWait(agent.log, agent.runner, events, 30_000);
    const voided = [...outcomes.values()].find((outcome) => outcome.status !== "accepted");
    if (voided) throw new Error(`the fold voided a test write: ${JSON.stringify(voided)}`);
  };
  return {
    async allocate(body, owner = {}, requested) {
      const request = parseCniRequest(body, { node, needsAttachment: true });
      const decision = decideAllocation(
        {
          kind: "AllocateAddresses",
          now: now().toISOString(),
          actor,
          eventIds: ids(request.targets.length * 2),
          owner: { ...request.owner, ...owner },
          pools: [...request.targets],
          requested: [...(requested ?? request.requested)],
          sticky: request.sticky,
          spread: 1,
          random: request.targets.map(() => 0),
          avoid: [],
        },
        agent.runner.state,
      );
      await append(decision.events);
      return decision.events.flatMap((event) => (event.type === "AddressAllocated" ? [event.data.ip] : []));
    },
    async release(containerId) {
      await append(decideRelease({ kind: "ReleaseAttachment", now: now().toISOString(), actor, eventIds: ids(4), containerId, ifName: "net1", reason: "cni-del" }, agent.runner.state));
    },
  };
}
