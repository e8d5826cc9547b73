import type { PoolDecision } from "../../ledger/core/index.js";
import type { ParsedCniRequest } from "./cniRequest.js";

/** The subset of a pino logger the service writes to. */
export interface ServiceLogger {
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

/**
 * The one line an answered ADD leaves in the agent's log: who got which addresses, at warn when
 * the configuration parsed with warnings (an operator should look at the NetworkAttachmentDefinition).
 */
export function logAdd(
  logger: ServiceLogger | undefined,
  request: ParsedCniRequest,
  pools: readonly PoolDecision[],
): void {
  const { owner } = request;
  const line = {
    containerId: owner.containerId,
    ifName: owner.ifName,
    pod: owner.podName === "" ? undefined : `${owner.podNamespace}/${owner.podName}`,
    ips: pools.map((pool) => `${pool.ip}/${pool.prefix}`),
  };
  if (request.warnings.length > 0)
    logger?.warn({ ...line, warnings: request.warnings }, "CNI ADD (the configuration needs a look)");
  else logger?.info(line, "CNI ADD");
}
