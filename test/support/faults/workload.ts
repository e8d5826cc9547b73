import { setTimeout as sleep } from "node:timers/promises";
import { cniCall, podBody, type CallOutcome } from "../kafka/cniCalls.js";

/** One CNI call and its answer, as the runtime saw it. */
interface Call {
  readonly verb: "add" | "del";
  readonly outcome: CallOutcome;
}

/** The fault suite's pods: ADD/DEL traffic from concurrent callers, and what each answer promised. */
export interface Workload {
  /** Runs `callers` concurrent callers until `until()` turns true. */
  burst(until: () => boolean): Promise<void>;
  /** Runs the burst for `ms` milliseconds. */
  burstFor(ms: number): Promise<void>;
  /**
   * What a container runtime does after failures: every container whose last call failed gets a
   * DEL, repeated until one is answered 0, within `timeoutMs`.
   */
  settle(timeoutMs: number): Promise<void>;
  /** container → the address its last acknowledged ADD returned, for containers whose last call is that ADD. */
  expectedHoldings(): Map<string, string>;
  /** Containers whose last acknowledged call is a DEL (they must hold nothing). */
  released(): Set<string>;
  /** A container's calls, oldest first, as `add 200 10.0.0.5`, `del 503 code 11`, for failure messages. */
  historyOf(containerId: string): string;
  /** Calls answered 0 (ADD with an address, or DEL). */
  acknowledged(): number;
  /** Calls of every kind, and of those answered with an error or no answer. */
  calls(): { total: number; failed: number };
  /** One successful ADD of a fresh pod within `timeoutMs`; resolves with the ms it took, or undefined. */
  probeAdd(timeoutMs: number): Promise<number | undefined>;
}

export interface WorkloadOptions {
  readonly socketPath: string;
  readonly random: () => number;
  /** The pods' ipam section, e.g. `{ range: "10.80.0.0/20" }`. */
  readonly ipam: Record<string, unknown>;
  readonly network: string;
  readonly containers?: number;
  readonly callers?: number;
  /** Per-call deadline. */
  readonly callTimeoutMs?: number;
}

/**
 * Seeded ADD/DEL traffic over the agent's socket. Each caller owns its own containers and calls
 * them one at a time, so the order of a container's answers is the order of its operations and
 * the state every answer promised is well defined.
 *
 * @example const pods = createWorkload({ socketPath, random, ipam: { range: "10.80.0.0/20" }, network: "faults" });
 */
export function createWorkload(options: WorkloadOptions): Workload {
  const containers = options.containers ?? 48;
  const callers = options.callers ?? 8;
  const timeoutMs = options.callTimeoutMs ?? 10_000;
  const history = new Map<string, Call[]>();
  let probes = 0;

  const call = async (verb: "add" | "del", pod: string): Promise<CallOutcome> => {
    const outcome = await cniCall(options.socketPath, verb, podBody(pod, options.ipam, options.network), timeoutMs);
    const calls = history.get(outcome.containerId) ?? [];
    calls.push({ verb, outcome });
    history.set(outcome.containerId, calls);
    return outcome;
  };
  const last = (): Call[] => [...history.values()].map((calls) => calls.at(-1) as Call);

  const caller = async (index: number, until: () => boolean): Promise<void> => {
    const own = Array.from({ length: Math.ceil(containers / callers) }, (_, k) => `b${index + k * callers}`);
    while (!until()) {
      const pod = own[Math.floor(options.random() * own.length)] as string;
      const outcome = await call(options.random() < 0.6 ? "add" : "del", pod);
      if (outcome.status !== 200) await sleep(50);
    }
  };

  const workload: Workload = {
    async burst(until) {
      await Promise.all(Array.from({ length: callers }, (_, index) => caller(index, until)));
    },
    async burstFor(ms) {
      const end = Date.now() + ms;
      await workload.burst(() => Date.now() > end);
    },
    async settle(settleTimeoutMs) {
      const deadline = Date.now() + settleTimeoutMs;
      for (const [containerId, calls] of history) {
        while ((calls.at(-1) as Call).outcome.status !== 200) {
          if (Date.now() > deadline)
            throw new Error(
              `the DEL of ${containerId} was not answered 0 within ${settleTimeoutMs} ms: ${(calls.at(-1) as Call).outcome.message}`,
            );
          const outcome = await call("del", containerId.slice(2));
          if (outcome.status !== 200) await sleep(200);
        }
      }
    },
    expectedHoldings() {
      return new Map(
        last()
          .filter((c) => c.verb === "add" && c.outcome.status === 200)
          .map((c) => [c.outcome.containerId, c.outcome.ip as string]),
      );
    },
    released() {
      return new Set(
        last()
          .filter((c) => c.verb === "del" && c.outcome.status === 200)
          .map((c) => c.outcome.containerId),
      );
    },
    historyOf(containerId) {
      const calls = history.get(containerId) ?? [];
      return calls
        .map(
          (c) =>
            `${c.verb} ${c.outcome.status}${c.outcome.ip ? ` ${c.outcome.ip}` : ""}${c.outcome.code !== undefined ? ` code ${c.outcome.code}` : ""}`,
        )
        .join(", ");
    },
    acknowledged() {
      return [...history.values()].flat().filter((c) => c.outcome.status === 200).length;
    },
    calls() {
      const all = [...history.values()].flat();
      return { total: all.length, failed: all.filter((c) => c.outcome.status !== 200).length };
    },
    async probeAdd(probeTimeoutMs) {
      const started = Date.now();
      const pod = `probe${probes++}`;
      while (Date.now() - started < probeTimeoutMs) {
        const outcome = await call("add", pod);
        if (outcome.status === 200) return Date.now() - started;
        await sleep(200);
      }
      return undefined;
    },
  };
  return workload;
}
