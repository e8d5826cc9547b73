/**
 * The agent's data directory: its default place and its files. A low-level module of its own, so the CLI, the audit
 * and operator commands and the reconciler can name them without importing the agent.
 */
export const LOG_FILE = "ledger.db";
export const PROJECTION_FILE = "projection.db";
/** Fold snapshots (`ledger/core/snapshotState.ts`), newest first; see docs/history-and-snapshots.md. */
export const SNAPSHOT_DIR = "snapshots";

/** The data directory when none is named: `$IPLEDGER_DATA_DIR`, else /var/lib/ipledger (`npm start` passes ./.ipledger). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.IPLEDGER_DATA_DIR || "/var/lib/ipledger";
}

/** The agent's socket when none is named: `$IPLEDGER_SOCKET`, else /run/ipledger/agent.sock. */
export function defaultSocket(env: NodeJS.ProcessEnv = process.env): string {
  return env.IPLEDGER_SOCKET || "/run/ipledger/agent.sock";
}

/** Where the agent and the CLI look by default, read from the environment once at start-up. */
export const DEFAULT_DATA_DIR = defaultDataDir();
export const DEFAULT_SOCKET = defaultSocket();
