import {
  attachmentKeyOf,
  formatAddress,
  LedgerError,
  lowestFree,
  parseAddress,
  poolKeyOf,
  type LedgerState,
} from "../../ledger/core/index.js";
import type { ProjectionRunner } from "../../projections/runner.js";
import type { ParsedCniRequest } from "./cniRequest.js";
import { prevResultAddresses } from "./cniResult.js";

// The two verbs that only read the fold: they append nothing, so they need no lock and no retry.

/**
 * CHECK: the ledger still records, for this attachment, every address of the ADD result the
 * runtime passed as prevResult (static addresses aside), and one address in each configured range.
 */
export function checkAttachment(state: LedgerState, request: ParsedCniRequest): void {
  const expected = prevResultAddresses(request.config);
  if (expected === undefined)
    throw new LedgerError(
      "CHECK_FAILED",
      "CHECK needs prevResult with the ips of the ADD result; the runtime must pass it",
      {
        key: "prevResult",
      },
    );
  const held = new Set<string>();
  for (const key of request.poolKeys) {
    const holding = state.pools.get(key)?.byAttachment.get(attachmentKeyOf(request.owner));
    if (holding) held.add(holding.ip);
  }
  const statics = new Set((request.ipam.addresses ?? []).map((entry) => normalize(entry.address.split("/")[0] ?? "")));
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

/** STATUS: ready when the fold is caught up and every configured pool still has a free address. */
export async function checkStatus(runner: ProjectionRunner, request: ParsedCniRequest, nowMs: number): Promise<void> {
  if (!(await runner.caughtUp()))
    throw new LedgerError("NOT_READY", "the agent is still catching up with the log; retry shortly");
  for (const target of request.targets) {
    const record = runner.state.pools.get(poolKeyOf(target.domain, target.pool));
    if (!record) continue;
    const free = lowestFree(runner.state.domains.get(target.domain), record, request.owner, nowMs, new Set(), 1);
    if (free.length === 0)
      throw new LedgerError(
        "POOL_EXHAUSTED",
        `pool ${target.pool} has no free address; widen the range or release addresses`,
      );
  }
}

function normalize(ip: string): string {
  const address = parseAddress(ip);
  return address ? formatAddress(address) : ip;
}
