import { defineConfig, type TestProjectConfiguration } from "vitest/config";

// The node tier runs on a real node as root (test/services/node/start) after the others, so it is
// a project only when asked for: `npm run test:node` sets IPLEDGER_NODE_TIER=1.
const nodeTier: TestProjectConfiguration[] =
  process.env["IPLEDGER_NODE_TIER"] === "1"
    ? [
        {
          extends: true,
          test: {
            name: "node",
            include: ["test/node/**/*.node.test.ts"],
            globalSetup: ["test/node/setup.ts"],
            // One cluster: one file at a time.
            fileParallelism: false,
            testTimeout: 300_000,
            hookTimeout: 600_000,
          },
        },
      ]
    : [];

// Tiers chosen by file name: unit, int, e2e and browser are `npm test`; `faults` (npm run test:faults)
// and `node` (npm run test:node) run alone, one file at a time. The machine has 2 cores, so files run in at most 2 workers.
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
        test: {
          name: "faults",
          include: ["test/faults/**/*.fault.test.ts"],
          fileParallelism: false,
          globalSetup: ["test/faults/faultRun.setup.ts"],
          testTimeout: 120_000,
        },
      },
      ...nodeTier,
    ],
  },
});
