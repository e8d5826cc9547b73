/** Where the agent and the CLI look by default; `npm start` passes ./.ipledger instead. */
export const DEFAULT_DATA_DIR = process.env.IPLEDGER_DATA_DIR ?? "/var/lib/ipledger";
export const DEFAULT_SOCKET = process.env.IPLEDGER_SOCKET ?? "/run/ipledger/agent.sock";
