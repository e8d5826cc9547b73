/**
 * The import direction of ipledger, checked by `npm run deps` (scripts/deps.mjs), which also
 * prints the folder-to-folder graph. Lower layers never import higher ones:
 *
 *   ledger/core  <  ledger/log  <  projections  <  src/*  <  src/cli (the bin)
 *   plugin: Node built-ins only (it is exec'd once per pod)
 *
 * The same rules are in eslint.config.js (`no-restricted-imports`), so an editor shows them.
 */
module.exports = {
  forbidden: [
    {
      name: "no-cycle",
      severity: "error",
      comment: "A cycle, even type-only, ties modules that should be layered.",
      from: {},
      to: { circular: true },
    },
    {
      name: "core-is-pure",
      severity: "error",
      comment: "ledger/core decides and folds; it imports nothing outside itself.",
      from: { path: "^ledger/core/" },
      to: { path: "^(ledger/log|projections|src|plugin)/" },
    },
    {
      name: "ledger-below-everything",
      severity: "error",
      comment: "ledger/ never imports projections/, src/ or plugin/.",
      from: { path: "^ledger/" },
      to: { path: "^(projections|src|plugin)/" },
    },
    {
      name: "projections-below-src",
      severity: "error",
      comment: "projections/ fold the log; they never import src/ or plugin/.",
      from: { path: "^projections/" },
      to: { path: "^(src|plugin)/" },
    },
    {
      name: "plugin-stands-alone",
      severity: "error",
      comment: "plugin/ is exec'd once per pod: Node built-ins and its own files only.",
      from: { path: "^plugin/" },
      to: { path: "^(ledger|projections|src)/" },
    },
    {
      name: "nothing-imports-the-cli",
      severity: "error",
      comment: "src/cli is the top: only the bin and its commands import it (tests may).",
      from: { path: "^(src|ledger|projections|plugin)/", pathNot: "^src/cli/" },
      to: { path: "^src/cli/" },
    },
    {
      name: "no-entry-point-imports",
      severity: "error",
      comment: "src/agent.ts is an entry point: shared names live in low-level modules (src/dataFiles.ts).",
      from: { path: "^(src|projections|ledger)/", pathNot: "^src/cli/(commands/agentCommand|demo)\\.ts$" },
      to: { path: "^src/agent\\.ts$" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(dist|node_modules|test)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js", ".mjs"] },
  },
};
