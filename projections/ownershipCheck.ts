import type { LedgerState, Owner } from "../ledger/core/index.js";
import type { InvariantViolation } from "./invariants.js";
import type { ProjectedEvent } from "./sqlite/sqliteProjection.js";

interface OpenInterval {
  readonly owner: Owner;
  readonly from: number;
}

const VIOLATION_LIMIT = 1_000;

/**
 * The invariant `checkInvariants` checks on a projection's tables, checked on the fold's effects
 * as they stream past, without writing a projection: no address is ever held by two owners (an
 * interval opens only while none is open for that address in its domain, and only its own owner
 * closes it), and at the end the fold's own holdings are exactly the intervals left open. It
 * trusts nothing of the fold's bookkeeping but its effects. Memory: the open intervals, i.e. the
 * live allocations.
 *
 * @example const check = ownershipCheck(); check.folded(page); …; const violations = check.finish(state);
 */
export function ownershipCheck() {
  const open = new Map<string, OpenInterval>(); // domain \0 ip → interval
  const violations: InvariantViolation[] = [];
  const found = (violation: InvariantViolation): void => {
    if (violations.length < VIOLATION_LIMIT) violations.push(violation);
  };
  return {
    folded(page: readonly ProjectedEvent[]): void {
      for (const { logged, outcome } of page) {
        for (const effect of outcome.effects) {
          if (effect.kind !== "tenancyOpened" && effect.kind !== "tenancyClosed") continue;
          const key = `${effect.domain}\u0000${effect.ip}`;
          const held = open.get(key);
          if (effect.kind === "tenancyOpened") {
            if (held)
              found({
                rule: "one owner per address",
                detail: `${effect.ip} in domain ${JSON.stringify(effect.domain)}: held by ${held.owner.containerId}/${held.owner.ifName} from offset ${held.from} to now and by ${effect.owner.containerId}/${effect.owner.ifName} from offset ${logged.offset}`,
              });
            else open.set(key, { owner: effect.owner, from: logged.offset });
          } else if (held?.owner.containerId === effect.owner.containerId && held.owner.ifName === effect.owner.ifName)
            open.delete(key);
        }
      }
    },
    /** The violations seen, plus any difference between the fold's holdings and the open intervals. */
    finish(state: LedgerState): InvariantViolation[] {
      let holdings = 0;
      for (const domain of state.domains.values()) {
        for (const holding of domain.held.values()) {
          holdings += 1;
          if (!open.has(`${domain.name}\u0000${holding.ip}`))
            found({ rule: "allocation without open tenancy", detail: holding.ip });
        }
      }
      if (holdings !== open.size && violations.length === 0)
        found({ rule: "open tenancy without allocation", detail: `${open.size - holdings} intervals left open` });
      return violations;
    },
  };
}
