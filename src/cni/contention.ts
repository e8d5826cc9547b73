/**
 * This agent's memory of contention. Keeps lowest-free while a writer is alone and spreads claims
 * once they are being voided: the decider then starts the node's picks at its hashed place in the
 * window (`spreadStart`), and picks at random among the N lowest free from there, N growing with
 * recent voids and shrinking back as claims succeed.
 */
export class ContentionTracker {
  private level = 0;
  voids = 0;
  successes = 0;

  recordVoid(): void {
    this.voids += 1;
    this.level = Math.min(this.level + 2, 64);
  }

  recordSuccess(): void {
    this.successes += 1;
    this.level = Math.max(0, this.level - 1);
  }

  /** Recent voids, decaying by one per success: the decider's `contention.recentVoids`. */
  recentVoids(): number {
    return this.level;
  }

  /** How many of the lowest free addresses to choose among (1 = lowest free). */
  spread(): number {
    return 1 + this.level;
  }
}
