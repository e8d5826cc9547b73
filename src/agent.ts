import { chmodSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { EventLog } from "../ledger/log/eventLog.js";
import { assembleAgent, type AgentPorts } from "./assembleAgent.js";
import { parseAgentConfig, type AgentConfig, type AgentConfigInput } from "./config.js";
import { LOG_FILE, PROJECTION_FILE, SNAPSHOT_DIR } from "./dataFiles.js";
import { applyListenerLimits, SOCKET_LIMITS, TCP_LIMITS } from "./http/listenerLimits.js";
import { freeSocketPath } from "./socketGuard.js";

/** `startAgent`'s options: the agent's settings (see `src/config.ts`), with the log as the one port most callers set. */
export type AgentOptions = AgentConfigInput & { readonly log?: EventLog };

export { LOG_FILE, PROJECTION_FILE, SNAPSHOT_DIR };

/**
 * Starts an agent: assembles it (`assembleAgent`), then serves its API on a root-only unix
 * socket (mode 0600) and, when `listen` is set, on TCP behind bearer tokens.
 *
 * @example
 *   const agent = await startAgent({ dataDir: "./.ipledger", socket: "./.ipledger/agent.sock" });
 *   await agent.close();
 */
export async function startAgent(options: AgentOptions, ports: AgentPorts = {}): Promise<Agent> {
  const { log, ...settings } = options;
  let config: AgentConfig;
  try {
    config = parseAgentConfig(settings);
  } catch (error) {
    await log?.close();
    throw error;
  }
  return serveAgent(config, { ...ports, ...(log ? { log } : {}) });
}

/**
 * Assembles an agent from a parsed configuration (`parseAgentFlags`, `parseAgentConfig`), then
 * listens: what `ipledger agent` runs.
 *
 * @example const agent = await serveAgent(parseAgentFlags(flags), { log });
 */
export async function serveAgent(config: AgentConfig, ports: AgentPorts = {}): Promise<Agent> {
  const agent = await assembleAgent(config, ports);
  try {
    return await listen(agent);
  } catch (error) {
    await agent.stop();
    throw error;
  }
}

/** Listens on the socket (and TCP); the returned agent's `close()` stops listening, then everything else. */
async function listen(agent: Awaited<ReturnType<typeof assembleAgent>>) {
  const { config, socketApp, tcpApp, logger } = agent;
  const socketPath = resolve(config.socket);
  mkdirSync(dirname(socketPath), { recursive: true, mode: 0o700 });
  await freeSocketPath(socketPath);
  applyListenerLimits(socketApp.server, SOCKET_LIMITS);
  await socketApp.listen({ path: socketPath });
  chmodSync(socketPath, 0o600);
  let tcpAddress: string | undefined;
  if (tcpApp && config.listen) {
    applyListenerLimits(tcpApp.server, { ...TCP_LIMITS, ...config.tcpLimits });
    tcpAddress = await tcpApp.listen({ host: config.listen.host, port: config.listen.port });
  }
  logger.info(
    { socket: socketPath, tcp: tcpAddress, node: agent.node, dataDir: agent.dataDir, log: agent.log.kind },
    "ipledger agent listening",
  );
  let closed = false;
  return {
    ...agent,
    socketPath,
    tcpAddress,
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await agent.stop(() => {
        if (existsSync(socketPath)) rmSync(socketPath);
      });
    },
  };
}

export type Agent = Awaited<ReturnType<typeof listen>>;
