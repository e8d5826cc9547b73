import { constants, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import pino from "pino";
import { accessError, fileExists } from "../ledger/log/fileAccess.js";
import { openSqliteEventLog } from "../ledger/log/sqliteEventLog.js";
import type { AgentConfig } from "./config.js";
import { LOG_FILE } from "./dataFiles.js";
import { lockDataDir } from "./dataDirLock.js";
import { loadTokenFile } from "./http/auth.js";
import { loadSigningKey } from "./audit/signingKeys.js";
import { openAgentParts, type AgentParts } from "./agentParts.js";
import type { AgentPorts } from "./agentPorts.js";

/** An assembled agent: every part wired and the fold caught up, nothing listening yet. */
export type AssembledAgent = AgentParts & {
  /**
   * Stops everything it started, in reverse order, runs `beforeUnlock` (the listener's clean-up that
   * must happen while no other agent can start here), and releases the data directory. Idempotent.
   */
  stop(beforeUnlock?: () => void): Promise<void>;
};

/**
 * Assembles an agent from its configuration and ports: locks the data directory, opens the log
 * (unless one is given) and the checked projection, folds the log (from a snapshot when one is
 * usable), and wires the CNI and operator services, metrics, gauges, the checkpoint signer and
 * the HTTP apps (`socketApp`, and `tcpApp` when `config.listen` is set). It does not listen:
 * `startAgent` does, and tests `inject()` into the apps. A failed assembly closes what it opened.
 *
 * @example
 *   const agent = await assembleAgent(parseAgentConfig({ dataDir }), {});
 *   const reply = await agent.socketApp.inject({ method: "GET", url: "/readyz" });
 *   await agent.stop();
 */
export async function assembleAgent(config: AgentConfig, ports: AgentPorts = {}): Promise<AssembledAgent> {
  const logger =
    ports.logger ??
    pino({ level: config.quiet ? "warn" : "info", redact: ["*.token", "*.authorization"] }, pino.destination(2));
  const dataDir = resolve(config.dataDir);
  // Checked before anything opens: a bad token file or a data directory the agent cannot write
  // would otherwise let it report ready, then fail every request.
  let auth;
  let signingKey;
  let lock;
  try {
    auth = config.tokenFile && config.listen ? loadTokenFile(config.tokenFile) : undefined;
    signingKey = config.signingKey ? loadSigningKey(config.signingKey) : undefined;
    try {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw accessError(error, dataDir, "create the data directory");
    }
    fileExists(dataDir, constants.W_OK | constants.X_OK);
    lock = lockDataDir(dataDir);
  } catch (error) {
    await ports.log?.close(); // the caller handed it over: a refused start closes it too
    throw error;
  }
  const cleanups: (() => Promise<void> | void)[] = [() => lock.release()];
  try {
    const log = ports.log ?? openSqliteEventLog({ path: join(dataDir, LOG_FILE) });
    cleanups.push(() => log.close());
    const parts = await openAgentParts({ config, ports, log, dataDir, logger, auth, signingKey, cleanups });
    let stopped = false;
    const { shutdown: _shutdown, ...rest } = parts;
    return {
      ...rest,
      async stop(beforeUnlock?: () => void): Promise<void> {
        if (stopped) return;
        stopped = true;
        await parts.shutdown();
        beforeUnlock?.();
        lock.release(); // last: no other agent may start while this one still writes
      },
    };
  } catch (error) {
    // Whatever opened before the failure is closed, so a failed start leaves nothing behind.
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
    throw error;
  }
}

export type { AgentPorts };
