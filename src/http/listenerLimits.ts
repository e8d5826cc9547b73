import type { Server } from "node:http";

/** Time and connection limits of one HTTP listener. */
export interface ListenerLimits {
  /** Most open connections; more are closed as soon as they are accepted. */
  readonly maxConnections: number;
  /** A connection with no traffic for this long is closed (also one that never sends a byte). */
  readonly idleTimeoutMs: number;
  /** The request headers must arrive within this long. */
  readonly headersTimeoutMs: number;
  /** The whole request (headers and body) must arrive within this long. */
  readonly requestTimeoutMs: number;
  /** How long a kept-alive connection waits for its next request. */
  readonly keepAliveTimeoutMs: number;
}

/**
 * The TCP listener faces the network: few connections, short patience, so idle or slow clients
 * cannot take the file descriptors the unix socket (the CNI plugin's path) needs.
 */
export const TCP_LIMITS: ListenerLimits = {
  maxConnections: 128,
  idleTimeoutMs: 15_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
};

/**
 * The unix socket serves the plugin (one short connection per CNI call) and the CLI; an ADD may
 * wait for a slow log for up to a minute, so its request timeout is longer.
 */
export const SOCKET_LIMITS: ListenerLimits = {
  maxConnections: 1_024,
  idleTimeoutMs: 120_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 120_000,
  keepAliveTimeoutMs: 5_000,
};

/**
 * Applies `limits` to a Node HTTP server before it listens.
 *
 * @example applyListenerLimits(app.server, TCP_LIMITS);
 */
export function applyListenerLimits(server: Server, limits: ListenerLimits): void {
  server.maxConnections = limits.maxConnections;
  server.timeout = limits.idleTimeoutMs;
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
}
