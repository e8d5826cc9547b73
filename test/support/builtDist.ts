import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

import { REPO_ROOT } from "./repoRoot.js";

export { REPO_ROOT };

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Tests that spawn the built CLI, agent or workers use `dist/` as `npm test` built it (its
 * `pretest` step). They never build themselves: a build in one test file would rewrite `dist/`
 * under the feet of another file running in parallel. A missing or stale build is a failure that
 * says what to run.
 *
 * @example const worker = requireBuilt("dist/test/support/crash/crashWorker.js");
 */
export function requireBuilt(relative: string): string {
  const path = join(REPO_ROOT, relative);
  if (!existsSync(path))
    throw new Error(`${relative} is missing: run "npm run build" first (npm test does it in pretest)`);
  const sources = Math.max(
    ...["src", "ledger", "projections", "plugin", "test/support"].map((dir) => newestSource(join(REPO_ROOT, dir))),
  );
  if (statSync(path).mtimeMs + 1_000 < sources) {
    throw new Error(
      `${relative} is older than the TypeScript sources: run "npm run build" (npm test does it in pretest)`,
    );
  }
  return path;
}
