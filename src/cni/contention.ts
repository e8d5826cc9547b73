/**
 * Keeps lowest-free while a writer is alone and spreads claims once they are being voided: after
 * voids, the next pick is random among the lowest N free addresses, N growing with recent voids
 * and shrinking back as claims succeed.
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

  /** How many of the lowest free addresses to choose among (1 = lowest free). */
  spread(): number {
    return 1 + this.level;
  }
}
