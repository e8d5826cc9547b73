import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", ".ipledger/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["scripts/**/*.mjs", "test/services/**/*.mjs"],
    languageOptions: { globals: globals.node },
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
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
            { group: ["better-sqlite3", "kafkajs", "@kubernetes/*", "fastify", "pino"], message: "ledger/core does no I/O." },
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
