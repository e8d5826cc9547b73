import type { FastifyInstance } from "fastify";
import { LedgerError } from "../../ledger/core/index.js";
import type { AuthPolicy } from "../http/auth.js";
import { DEFAULT_TOPIC } from "../readModel/logOptions.js";
import { consoleAuth } from "./consoleAuth.js";
import { openConsoleData, type ConsoleData } from "./consoleData.js";
import { assetDirectory, mountConsole } from "./consoleServer.js";

/** Where the agent's TCP listener serves the console. */
export const AGENT_CONSOLE_PREFIX = "/console";

/** The console as the agent serves it: `mount` it on the TCP app, `close` it when the agent stops. */
export interface AgentConsole {
  readonly prefix: string;
  mount(app: FastifyInstance): void;
  close(): Promise<void>;
}

/** True for the URLs the console answers under the agent (its own gate replaces the bearer check). */
export function isAgentConsoleUrl(url: string): boolean {
  return url === AGENT_CONSOLE_PREFIX || /^\/console[/?]/.test(url);
}

/**
 * The auditor's console for the agent's TCP listener, under `/console/`: the pages and read-only
 * API of `ipledger console`, reading the agent's own projection through the read model (frozen
 * snapshots of the data directory's projection, a second read-only connection, so the fold is
 * never held up), behind the agent's tokens (admin or auditor; a browser logs in once and gets a
 * session cookie). *Verify now* is off here: it reads the whole log, which belongs to
 * `ipledger verify` or a console of its own, not to the process serving CNI calls. Never mounted
 * on the unix socket. Undefined when the console's assets were not built.
 *
 * @example const console = await openAgentConsole(dataDir, auth); console?.mount(tcpApp); … await console?.close();
 */
export async function openAgentConsole(
  dataDir: string,
  auth: AuthPolicy,
  warn: (message: string) => void,
): Promise<AgentConsole | undefined> {
  let assets: string;
  try {
    assets = assetDirectory();
  } catch (error) {
    warn(`${(error as Error).message}; the agent serves no console under ${AGENT_CONSOLE_PREFIX}/`);
    return undefined;
  }
  // The projection file is read, never the log: topic and partitions are unused but part of the options.
  const opened = await openConsoleData({ dataDir, topic: DEFAULT_TOPIC, kafkaPartitions: 1 });
  const data: ConsoleData = {
    ...opened,
    kind: "agent",
    verify: async () => {
      throw new LedgerError(
        "INVALID_REQUEST",
        "verify reads the whole log: run ipledger verify, or ipledger console with --data-dir or --kafka",
      );
    },
  };
  const gate = consoleAuth(auth);
  return {
    prefix: AGENT_CONSOLE_PREFIX,
    mount(app) {
      void app.register((scope) => mountConsole(scope, { data, auth: gate, assets, prefix: AGENT_CONSOLE_PREFIX }), {
        prefix: AGENT_CONSOLE_PREFIX,
      });
    },
    close: () => data.close(),
  };
}
