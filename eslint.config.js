import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", ".ipledger/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["scripts/**/*.mjs", "test/services/**/*.mjs", ".dependency-cruiser.cjs"],
    languageOptions: { globals: globals.node },
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  // Layers (the same rules as .dependency-cruiser.cjs, checked by `npm run deps`): ledger/core <
  // ledger/log < projections < src/* < src/cli. A later block replaces an earlier block's
  // no-restricted-imports for the files it matches, so each block lists all of its patterns.
  {
    files: ["ledger/log/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^(\\.\\./)+(projections|src|plugin)/",
              message: "ledger/ never imports projections/, src/ or plugin/.",
            },
          ],
        },
      ],
    },
  },
  {
    // The core is pure: no Node built-ins and no I/O libraries, so decide/evolve stay replayable.
    files: ["ledger/core/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["node:*"], message: "ledger/core is pure: no Node built-ins." },
            {
              group: ["better-sqlite3", "kafkajs", "@kubernetes/*", "fastify", "pino"],
              message: "ledger/core does no I/O.",
            },
            { regex: "^\\.\\./", message: "ledger/core imports only its own modules." },
          ],
        },
      ],
    },
  },
  {
    files: ["projections/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ regex: "^(\\.\\./)+(src|plugin)/", message: "projections/ never import src/ or plugin/." }] },
      ],
    },
  },
  {
    files: ["src/**/*.ts"],
    // src/cli is the entry-point layer: the bin, its commands and the demo (which starts an agent in-process).
    ignores: ["src/cli/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "^(\\./|(\\.\\./)+)cli/",
              message: "Nothing imports src/cli but the bin: move what you need to a lower module.",
            },
            {
              regex: "^(\\./|\\.\\./)agent\\.js$",
              message: "src/agent.ts is an entry point: import names from a low-level module (src/dataFiles.ts).",
            },
          ],
        },
      ],
    },
  },
  {
    // The CNI plugin is exec'd once per pod: Node built-ins only, so it starts as fast as Node.
    files: ["plugin/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ regex: "^(?!node:|\\.).*", message: "plugin/ imports node:* and its own files only." }] },
      ],
    },
  },
);
