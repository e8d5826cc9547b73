import { hostname, userInfo } from "node:os";
import { nodeNameOf } from "../config.js";

/**
 * The operator as the CLI knows them: `user@host`. Under sudo the invoking user (`SUDO_USER`) is
 * named rather than root, because the trail is about the person.
 *
 * @example localOperator() // "alice@bastion-1"
 */
export function localOperator(env: NodeJS.ProcessEnv = process.env): string {
  let user = env.SUDO_USER || "";
  if (!user) {
    try {
      user = userInfo().username;
    } catch {
      // No passwd entry (a container with an arbitrary uid): fall back to the environment.
      user = env.USER || env.LOGNAME || `uid-${process.getuid?.() ?? "unknown"}`;
    }
  }
  return `${user}@${hostname()}`;
}

/** The node the CLI records when it writes the log itself: `$NODENAME`, else the host name (`nodeNameOf`). */
export function localNode(env: NodeJS.ProcessEnv = process.env): string {
  return nodeNameOf(undefined, env);
}
