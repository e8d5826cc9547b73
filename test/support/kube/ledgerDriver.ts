import type { FastifyInstance } from "fastify";
import { parseAddress, parseCidr, poolNameOf } from "../../../ledger/core/index.js";
import type { IPAllocation } from "../../../projections/kubernetes/ippoolObjects.js";
import { cniBody } from "../agent/cniBodies.js";

/** One range of a NetworkAttachmentDefinition, as the CNI config writes it. */
export interface DriverPool {
  readonly range: string;
  readonly networkName?: string;
}

/** Whereabouts' IPPool name of a pool. */
export function ippoolName(pool: DriverPool): string {
  const cidr = parseCidr(pool.range);
  if (!cidr) throw new Error(`bad range ${pool.range}`);
  return poolNameOf(cidr, pool.networkName ?? "");
}

/**
 * Drives the ledger through the agent's real CNI API (`app.inject`) and remembers, independently
 * of any projection, what Whereabouts would show: per pool, offset → owner.
 *
 * @example
 *   const driver = createLedgerDriver(agent.app);
 *   await driver.add("web-0", { range: "10.70.0.0/24" });
 *   driver.expected("10.70.0.0-24"); // { "1": { id: "c-web-0", podref: "apps/web-0", ifname: "net1" } }
 */
export function createLedgerDriver(app: FastifyInstance, namespace = "apps") {
  const held = new Map<string, { pool: DriverPool; ip: string }>();
  const bodyOf = (pod: string, pool: DriverPool) =>
    cniBody({
      pod: { namespace, name: pod, uid: `uid-${pod}` },
      containerId: `c-${pod}`,
      ipam: { range: pool.range, ...(pool.networkName ? { network_name: pool.networkName } : {}) },
    });

  async function call(verb: "add" | "del", pod: string, pool: DriverPool): Promise<Record<string, unknown>> {
    const reply = await app.inject({ method: "POST", url: `/v1/cni/${verb}`, payload: bodyOf(pod, pool) });
    if (reply.statusCode !== 200)
      throw new Error(`CNI ${verb.toUpperCase()} for ${pod} answered ${reply.statusCode}: ${reply.body}`);
    return reply.json() as Record<string, unknown>;
  }

  return {
    /** ADD for pod `pod` (container `c-<pod>`, net1) in `pool`; returns the address. */
    async add(pod: string, pool: DriverPool): Promise<string> {
      const result = await call("add", pod, pool);
      const address = ((result.ips as { address: string }[])[0]?.address ?? "").split("/")[0] as string;
      held.set(pod, { pool, ip: address });
      return address;
    },
    /** DEL for a pod this driver added. */
    async del(pod: string): Promise<void> {
      const entry = held.get(pod);
      if (!entry) throw new Error(`${pod} holds nothing`);
      await call("del", pod, entry.pool);
      held.delete(pod);
    },
    /** Runs `tasks` with at most `concurrency` in flight. */
    async burst(tasks: readonly (() => Promise<unknown>)[], concurrency: number): Promise<void> {
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < tasks.length) await (tasks[next++] as () => Promise<unknown>)();
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
    },
    pods: (): string[] => [...held.keys()],
    /** What an IPPool for `pool` must hold in Whereabouts' format: offset → owner. */
    expected(pool: DriverPool): Record<string, IPAllocation> {
      const network = parseCidr(pool.range)?.network ?? 0n;
      const entries = [...held].filter(([, entry]) => ippoolName(entry.pool) === ippoolName(pool));
      return Object.fromEntries(
        entries.map(([pod, { ip }]) => [
          String((parseAddress(ip)?.value ?? 0n) - network),
          { id: `c-${pod}`, podref: `${namespace}/${pod}`, ifname: "net1" },
        ]),
      );
    },
  };
}
