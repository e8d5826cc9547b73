import { lstatSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { LedgerError } from "../ledger/core/index.js";

/**
 * Makes `path` free for this agent's socket: nothing there, or a socket nobody serves (left by a
 * crashed agent). A socket that accepts a connection belongs to a live agent and is never
 * removed; neither is anything that is not a socket.
 *
 * @example await freeSocketPath("/run/ipledger/agent.sock");
 */
export async function freeSocketPath(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  if (!isSocket)
    throw new LedgerError(
      "INVALID_CONFIG",
      `--socket ${path} exists and is not a socket; pick another path or remove that file yourself`,
      { key: "--socket" },
    );
  if (await answers(path)) {
    throw new LedgerError(
      "LOG_UNAVAILABLE",
      `another agent is serving ${path}; stop it first, or give this agent another --socket`,
      { details: { path } },
    );
  }
  rmSync(path, { force: true });
}

/** Whether something accepts connections on the unix socket `path` (refused or timed out: no). */
function answers(path: string, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ path });
    const done = (alive: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(alive);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}
