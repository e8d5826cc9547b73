import { setTimeout as sleep } from "node:timers/promises";
import { requestAgent } from "../../../plugin/agentClient.js";
import { startAgent, type AgentOptions, type AgentProcess } from "../e2e/agentProcess.js";

/** What a start attempt that never served came to: its exit code (or the timeout) and what it printed. */
export interface FailedStart {
  readonly message: string;
}

/** A restart loop around the real agent, as a DaemonSet's kubelet runs it. */
export interface Supervisor {
  readonly socketPath: string;
  /** The process serving now (ready once), if any. */
  serving(): AgentProcess | undefined;
  /** The pid of the newest process, serving or still starting. */
  newestPid(): number | undefined;
  /** How many processes were spawned, and how many became ready. */
  readonly counts: { spawned: number; served: number; livenessKills: number };
  /** Start attempts that exited (or timed out) before they were ready, oldest first. */
  readonly failedStarts: FailedStart[];
  /** SIGKILL of the newest process (serving or starting); the loop starts another. */
  kill9(): void;
  /** Waits until a process serves; resolves with the milliseconds waited, rejects after `timeoutMs`. */
  waitServing(timeoutMs: number): Promise<number>;
  /** Ends the loop and the process (SIGTERM, or SIGKILL with `{ kill: true }`). */
  stop(options?: { kill?: boolean }): Promise<void>;
}

export interface SupervisorOptions extends Omit<AgentOptions, "onSpawn"> {
  /** Pause between an exit and the next start (a CrashLoopBackOff, kept short). Default 300 ms. */
  readonly restartDelayMs?: number;
  /** Consecutive failed `/healthz` probes (1 s apart, 2 s timeout) before the loop SIGKILLs the process. Default 3. */
  readonly livenessFailures?: number;
}

/**
 * Keeps the real agent running: starts it (`startAgent`), and when it exits, or stops answering
 * `/healthz` (a liveness probe), starts it again. The fault suite measures whether the agent
 * serves again after a fault with no help but this loop.
 *
 * @example
 *   const agent = superviseAgent({ dataDir, socketPath, node: "fault-node" });
 *   await agent.waitServing(30_000); agent.kill9(); await agent.waitServing(30_000); await agent.stop();
 */
export function superviseAgent(options: SupervisorOptions): Supervisor {
  let stopped = false;
  let current: AgentProcess | undefined;
  let newest: number | undefined;
  const counts = { spawned: 0, served: 0, livenessKills: 0 };
  const failedStarts: FailedStart[] = [];

  const probe = async (agent: AgentProcess): Promise<void> => {
    let failures = 0;
    let alive = true;
    void agent.exited.then(() => (alive = false));
    while (alive && !stopped) {
      await sleep(1_000);
      const healthy = await requestAgent({
        socketPath: options.socketPath,
        method: "GET",
        path: "/healthz",
        timeoutMs: 2_000,
      }).then(
        (a) => a.status === 200,
        () => false,
      );
      failures = healthy ? 0 : failures + 1;
      if (alive && failures >= (options.livenessFailures ?? 3)) {
        counts.livenessKills += 1;
        process.kill(agent.pid, "SIGKILL");
        return;
      }
    }
  };

  const loop = async (): Promise<void> => {
    while (!stopped) {
      try {
        counts.spawned += 1;
        const agent = await startAgent({ ...options, onSpawn: (pid) => (newest = pid) });
        counts.served += 1;
        current = agent;
        void probe(agent);
        await agent.exited;
      } catch (error) {
        if (!stopped) failedStarts.push({ message: (error as Error).message });
      }
      current = undefined;
      await sleep(options.restartDelayMs ?? 300);
    }
  };
  const running = loop();

  return {
    socketPath: options.socketPath,
    serving: () => current,
    newestPid: () => newest,
    counts,
    failedStarts,
    kill9() {
      if (newest !== undefined) killQuietly(newest, "SIGKILL");
    },
    async waitServing(timeoutMs) {
      const started = Date.now();
      while (current === undefined) {
        if (Date.now() - started > timeoutMs) {
          const last = failedStarts.at(-1)?.message ?? "no failed start recorded";
          throw new Error(
            `no agent served within ${timeoutMs} ms (${counts.spawned} spawned); last failed start:\n${last.slice(-3_000)}`,
          );
        }
        await sleep(50);
      }
      return Date.now() - started;
    },
    async stop(stopOptions = {}) {
      stopped = true;
      if (stopOptions.kill && newest !== undefined) killQuietly(newest, "SIGKILL");
      await current?.stop();
      // A process still starting is stopped by startAgent's own timeout; kill it so the loop ends now.
      if (newest !== undefined) killQuietly(newest, "SIGKILL");
      await running;
    },
  };
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
