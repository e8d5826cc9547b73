import { evolve, initialState, type LoggedEvent, type Owner } from "../../../ledger/core/index.js";

/** One holder found by brute force: the domain and the owner. */
export interface BruteHolder {
  readonly domain: string;
  readonly pool: string;
  readonly owner: Owner;
}

interface Step {
  readonly domain: string;
  readonly pool: string;
  readonly ip: string;
  readonly effectiveMs: number;
  readonly open: boolean;
  readonly owner: Owner;
}

/**
 * The slowest possible answer to "who held IP at T": fold the whole log again with `evolve` (the
 * arbiter), keep every tenancy opened and closed in log order, and for each question walk all
 * of it. Shares nothing with the projection or its queries, so it checks them.
 *
 * @example const model = bruteForceReplay(await agent.events()); model.holdersAt("10.0.0.1", t)
 */
export function bruteForceReplay(events: readonly LoggedEvent[]) {
  const state = initialState();
  const steps: Step[] = [];
  for (const logged of events) {
    const outcome = evolve(state, logged);
    for (const effect of outcome.effects) {
      if (effect.kind === "tenancyOpened" || effect.kind === "tenancyClosed") {
        steps.push({
          domain: effect.domain,
          pool: effect.pool,
          ip: effect.ip,
          effectiveMs: outcome.effectiveMs,
          open: effect.kind === "tenancyOpened",
          owner: effect.owner,
        });
      }
    }
  }
  return {
    /** Every address that was ever held. */
    addresses: (): string[] => [...new Set(steps.map((step) => step.ip))],
    /** Every instant at which some tenancy began or ended. */
    instants: (): number[] => [...new Set(steps.map((step) => step.effectiveMs))],
    /** The holders of `ip` at `atMs`, one per domain, sorted by domain. */
    holdersAt(ip: string, atMs: number): BruteHolder[] {
      const holders = new Map<string, Step>();
      for (const step of steps) {
        if (step.ip !== ip || step.effectiveMs > atMs) continue;
        if (step.open) holders.set(step.domain, step);
        else if (holders.get(step.domain)?.owner.containerId === step.owner.containerId) holders.delete(step.domain);
      }
      return [...holders.values()]
        .sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0))
        .map(({ domain, pool, owner }) => ({ domain, pool, owner }));
    },
  };
}
