import { defineConfig } from "vitest/config";

// Three tiers, chosen by file name. The machine has 2 cores, so files run in at most 2 workers.
export default defineConfig({
  test: {
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: "unit", include: ["test/**/*.unit.test.ts"] } },
      { extends: true, test: { name: "int", include: ["test/**/*.int.test.ts"] } },
      { extends: true, test: { name: "e2e", include: ["test/**/*.e2e.test.ts"], fileParallelism: false } },
      // The real node (test/services/node/start, as root): one cluster, so one file at a time.
      {
        extends: true,
        test: {
          name: "node",
          include: ["test/node/**/*.node.test.ts"],
          globalSetup: ["test/node/setup.ts"],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
