import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import { seededRandom } from "../seededRandom.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The run's seed: IPLEDGER_FAULT_SEED, or a fresh one printed at the start. */
    faultSeed: number;
    /** Where the scenarios append their table rows. */
    faultResults: string;
  }
}

/** A scenario's seed, generator, results file and temporary directories. */
export interface FaultContext {
  readonly seed: number;
  readonly random: () => number;
  readonly resultsFile: string;
  /** A fresh directory under the system temp dir, removed by `cleanup`. */
  tempDir(purpose: string): string;
  /** A random whole number of milliseconds in [min, max). */
  between(min: number, max: number): number;
  /** Runs `step` at clean-up, before the directories are removed (an unmount). */
  onCleanup(step: () => void): void;
  cleanup(): void;
}

/**
 * The scenario's own seed is the run's seed (printed by the global setup, replayable with
 * IPLEDGER_FAULT_SEED) mixed with the scenario's name, so each file draws its own sequence and a
 * replay of the run replays every file.
 *
 * @example const context = faultContext("kill -9 during a burst");
 */
export function faultContext(scenario: string): FaultContext {
  let hash = 2_166_136_261;
  for (const char of scenario) hash = Math.imul(hash ^ char.charCodeAt(0), 16_777_619) >>> 0;
  const seed = (inject("faultSeed") ^ hash) >>> 0;
  const random = seededRandom(seed);
  const dirs: string[] = [];
  const steps: (() => void)[] = [];
  console.info(`[faults] ${scenario}: seed ${seed}`);
  return {
    seed,
    random,
    resultsFile: inject("faultResults"),
    tempDir(purpose) {
      const dir = mkdtempSync(join(tmpdir(), `ipledger-fault-${purpose}-`));
      dirs.push(dir);
      return dir;
    },
    between: (min, max) => min + Math.floor(random() * (max - min)),
    onCleanup: (step) => steps.push(step),
    cleanup() {
      for (const step of steps.splice(0)) step();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}
