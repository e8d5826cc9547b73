import { requestAgent } from "../../../plugin/agentClient.js";
import { cniBody } from "../agent/cniBodies.js";

/** What one CNI call over an agent's socket came to. */
export interface CallOutcome {
  readonly containerId: string;
  /** HTTP status; 0 when no answer came within the deadline (a hang). */
  readonly status: number;
  /** The CNI error code of a failed call. */
  readonly code?: number;
  /** The allocated address (without prefix length) of a successful ADD. */
  readonly ip?: string;
  readonly ms: number;
  readonly message?: string;
}

/** A pod's ADD/DEL body: pod `load/<name>` in container `c-<name>`, on network `network` with the given ipam. */
export function podBody(name: string, ipam: Record<string, unknown>, network = "kafka-net") {
  return cniBody({ pod: { namespace: "load", name }, name: network, ipam });
}

/**
 * `POST /v1/cni/<verb>` over the agent's unix socket, as the plugin sends it, with a deadline;
 * never throws, so a load test can count what happened.
 *
 * @example const outcome = await cniCall(socketPath, "add", podBody("web-0", { range: "10.60.0.0/24" }), 20_000);
 */
export async function cniCall(
  socketPath: string,
  verb: "add" | "del",
  body: ReturnType<typeof podBody>,
  timeoutMs: number,
): Promise<CallOutcome> {
  const started = performance.now();
  const base = { containerId: body.containerId as string };
  try {
    const answer = await requestAgent({
      socketPath,
      method: "POST",
      path: `/v1/cni/${verb}`,
      body: JSON.stringify(body),
      timeoutMs,
    });
    const ms = performance.now() - started;
    const parsed = JSON.parse(answer.body || "{}") as {
      ips?: { address: string }[];
      code?: number;
      msg?: string;
      details?: string;
    };
    if (answer.status === 200) {
      const ip = parsed.ips?.[0]?.address.split("/")[0];
      return { ...base, status: 200, ms, ...(ip ? { ip } : {}) };
    }
    return {
      ...base,
      status: answer.status,
      ms,
      ...(parsed.code !== undefined ? { code: parsed.code } : {}),
      message: parsed.details ?? parsed.msg ?? answer.body,
    };
  } catch (error) {
    return { ...base, status: 0, ms: performance.now() - started, message: (error as Error).message };
  }
}

/** Milliseconds at the given quantile (0..1) of a list of durations. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}
