import { defineConfig } from "vitest/config";

// Four tiers, chosen by file name; `faults` (test/faults, npm run test:faults) runs alone, one file at a time. The machine has 2 cores, so files run in at most 2 workers.
export default defineConfig({
  test: {
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: "unit", include: ["test/**/*.unit.test.ts"] } },
      { extends: true, test: { name: "int", include: ["test/**/*.int.test.ts"] } },
      { extends: true, test: { name: "e2e", include: ["test/**/*.e2e.test.ts"], fileParallelism: false } },
      { extends: true, test: { name: "browser", include: ["test/**/*.browser.test.ts"], fileParallelism: false } },
      {
        extends: true,
        test: { name: "faults", include: ["test/faults/**/*.fault.test.ts"], fileParallelism: false, globalSetup: ["test/faults/faultRun.setup.ts"], testTimeout: 120_000 },
      },
    ],
  },
});
