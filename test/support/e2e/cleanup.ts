/**
 * A stack of undo steps. Each resource a test creates registers its removal right away, and the
 * test runs `run()` in `finally`: steps run in reverse order, every one of them even when some fail.
 *
 * @example
 *   const cleanup = new Cleanup();
 *   try { const ns = await createNetns(name, cleanup); ... } finally { await cleanup.run(); }
 */
export class Cleanup {
  private readonly steps: { readonly label: string; readonly undo: () => Promise<unknown> | unknown }[] = [];

  defer(label: string, undo: () => Promise<unknown> | unknown): void {
    this.steps.push({ label, undo });
  }

  /** Runs every step, newest first; throws one error listing the steps that failed. */
  async run(): Promise<void> {
    const failures: string[] = [];
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.undo();
      } catch (error) {
        failures.push(`${step.label}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (failures.length > 0) throw new Error(`cleanup failed:\n  ${failures.join("\n  ")}`);
  }
}
