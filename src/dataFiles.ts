/**
 * The agent's data directory: its default place and its files. A low-level module of its own, so the CLI, the audit
 * and operator commands and the reconciler can name them without importing the agent.
 */
export const LOG_FILE = "ledger.db";
export const PROJECTION_FILE = "projection.db";
/** Fold snapshots (`ledger/core/snapshotState.ts`), newest first; see docs/history-and-snapshots.md. */
export const SNAPSHOT_DIR = "snapshots";

/** Where the agent and the CLI look by default; `npm start` passes ./.ipledger instead. */
export const DEFAULT_DATA_DIR = process.env.IPLEDGER_DATA_DIR ?? "/var/lib/ipledger";
export const DEFAULT_SOCKET = process.env.IPLEDGER_SOCKET ?? "/run/ipledger/agent.sock";
