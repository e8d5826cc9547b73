import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { command } from "./commandArbitraries.js";
import { LedgerWorld, newCoverage } from "./ledgerWorld.js";

/**
 * The ledger's central promise (DESIGN.md, "Consistency: the fold is the arbiter"): whatever
 * writers, retries, zombies and races do, no address ever has two owners, and every fold of the
 * same log reaches the same state.
 *
 * Random command sequences run against overlapping pools of one domain (10.0.0.0/29 in two
 * definitions, 10.0.0.4/30, a dash range in 10.0.0.0/28, fd00::/125 with a reuse cooldown), the
 * same CIDR under another network_name, and a pool with overlapping ranges off. Windows are tiny,
 * so pools run out. Writers: the live agent, two lagging agents deciding on old views (with
 * skewed clocks), pairs deciding on one view before either appends, duplicated records, and a
 * rogue writer logging arbitrary events. After every step:
 * - each event's status is what an independent reference model says (accepted/voided/duplicate);
 * - no address has two owners in any index of the live state, nor in the effects' history;
 * - the live state holds exactly what the model holds;
 * - a fresh replay of the whole log (partition by partition, after a JSON round trip) equals the
 *   live state and gives the same outcome for every event;
 * - the live writer is refused exactly when the model says so, with the same code, and its
 *   claims are voided only where its own request collides with itself.
 */
describe("no address ever has two owners", () => {
  // 250 seeded runs take ~25 s on a quiet core, close to the default 30 s; a loaded CI machine needs more.
  it(
    "holds for random writers, zombies, races, duplicates and rogue events (reference model + replay)",
    { timeout: 180_000 },
    () => {
      const coverage = newCoverage();
      fc.assert(
        fc.property(fc.array(command, { minLength: 1, maxLength: 60, size: "max" }), (commands) => {
          const world = new LedgerWorld(coverage);
          for (const step of commands) {
            world.run(step);
            world.check();
          }
          world.finish();
        }),
        { numRuns: 250, seed: 20_250_107 },
      );
      // The runs must have reached the interesting cases, or the property proves little.
      expect(coverage.refusals.get("POOL_EXHAUSTED") ?? 0).toBeGreaterThan(50);
      expect(coverage.refusals.get("ADDRESS_IN_USE") ?? 0).toBeGreaterThan(20);
      expect(coverage.staleVoids).toBeGreaterThan(20);
      expect(coverage.duplicates).toBeGreaterThan(50);
      expect(coverage.adoptions).toBeGreaterThan(10);
      expect(coverage.cooldownRefusals).toBeGreaterThan(0);
      expect(coverage.accepted).toBeGreaterThan(1_000);
      console.info(
        `noTwoOwners: ${coverage.commands} commands, ${coverage.events} events (${coverage.accepted} accepted, ${coverage.voided} voided, ${coverage.duplicates} duplicates), refusals ${JSON.stringify(Object.fromEntries(coverage.refusals))}, ${coverage.staleVoids} stale claims voided, ${coverage.adoptions} adoptions`,
      );
    },
  );
});
