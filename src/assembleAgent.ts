import { constants, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import pino from "pino";
import type { EventLog } from "../ledger/log/eventLog.js";
import { accessError, fileExists } from "../ledger/log/fileAccess.js";
import { openSqliteEventLog } from "../ledger/log/sqliteEventLog.js";
import type { AgentConfig } from "./config.js";
import { LOG_FILE } from "./dataFiles.js";
import { lockDataDir } from "./dataDirLock.js";
import { loadTokenFile } from "./http/auth.js";
import { loadSigningKey } from "./audit/signingKeys.js";
import { openAgentParts, type AgentParts } from "./agentParts.js";
import type { ServiceLogger } from "./cni/cniService.js";
import type { FlatFileOptions } from "./cni/flatFile.js";

/** What the agent talks to, injected: real adapters in production, the same or wrapped ones in tests. */
export interface AgentPorts {
  /** The event log (a Kafka topic, or a SQLite log opened by the caller); `<dataDir>/ledger.db` when absent. */
  readonly log?: EventLog;
  /** The agent's logger; JSON lines on stderr (warn and up when `config.quiet`) when absent. */
  readonly logger?: pino.Logger;
  /** Receives the CNI service's and the clock-skew watch's lines instead of `logger` (tests record them). */
  readonly serviceLogger?: ServiceLogger;
  /** The services' clock; the wall clock when absent. */
  readonly now?: () => Date;
  /** Wraps the log the services append through (a test slips a rival writer in); the tail reads `log` itself. */
  readonly appendThrough?: (log: EventLog) => EventLog;
  /** Decide-append rounds of an ADD before it gives up on a contended pool; the service's default when absent. */
  readonly maxAttempts?: number;
  /** Where `configuration_path` may point; Whereabouts' directories plus `config.flatFileDirs` when absent. */
  readonly flatFile?: FlatFileOptions;
}

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
  const auth = config.tokenFile && config.listen ? loadTokenFile(config.tokenFile) : undefined;
  const signingKey = config.signingKey ? loadSigningKey(config.signingKey) : undefined;
  let lock;
  try {
    try {
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw accessError(error, dataDir, "create the data directory");
    }
    fileExists(dataDir, constants.W_OK | constants.X_OK);
    lock = lockDataDir(dataDir);
  } catch (error) {
    await ports.log?.close();
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
