import { expect } from "vitest";
import type { EndOffsets, EventLog } from "../../../ledger/log/eventLog.js";
import { httpJson } from "../../support/agent/agentCalls.js";
import { cniBody } from "../../support/agent/cniBodies.js";

/** What the contract's ledger holds, and what every adapter must answer about it. */
export interface ReadModelWorld {
  /** Pod k/a's address: held at `between`, released since. */
  readonly first: string;
  /** Pod k/b's address: held now. */
  readonly second: string;
  /** An instant when both pods held their addresses. */
  readonly between: number;
  readonly range: string;
  /** The log's end offsets now, to prove that reading appends nothing. */
  endOffsets(): Promise<EndOffsets>;
}

/**
 * Writes the contract's ledger through a running agent: k/a and k/b get addresses in `range`,
 * then k/a is deleted. The same CNI calls for every adapter, so the answers can be compared.
 *
 * @example const world = await writeReadModelWorld(agent.socketPath, "10.71.0.0/24", () => log.endOffsets());
 */
export async function writeReadModelWorld(
  socketPath: string,
  range: string,
  endOffsets: () => Promise<EndOffsets>,
): Promise<ReadModelWorld> {
  const call = async (verb: "add" | "del", name: string) => {
    const reply = await httpJson({ socketPath }, "POST", `/v1/cni/${verb}`, {
      body: cniBody({ ipam: { range }, pod: { namespace: "k", name } }),
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    return verb === "add" ? ((reply.body.ips as { address: string }[])[0]?.address ?? "").split("/")[0] : "";
  };
  const first = (await call("add", "a")) as string;
  const second = (await call("add", "b")) as string;
  await new Promise((resolve) => setTimeout(resolve, 20));
  const between = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 20));
  await call("del", "a");
  return { first, second, between, range, endOffsets };
}

/** The end offsets of the log `open` opens, read on a connection of its own and closed again. */
export function endOffsetsOf(open: () => Promise<EventLog>): () => Promise<EndOffsets> {
  return async () => {
    const log = await open();
    try {
      return await log.endOffsets();
    } finally {
      await log.close();
    }
  };
}
