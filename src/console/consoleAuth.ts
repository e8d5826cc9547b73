import { randomBytes } from "node:crypto";
import { LedgerError } from "../../ledger/core/index.js";
import { authenticate, type AuthPolicy } from "../http/auth.js";

export const SESSION_COOKIE = "ipledger_console";
const SESSION_MS = 8 * 3_600_000;
const MAX_SESSIONS = 1_000;
const MAX_FAILURES_PER_MINUTE = 20;

/**
 * Who may read the console. `open`: a loopback listener over a local source, where whoever can
 * connect can read the data directory anyway. `tokens`: the agent's token file; a browser logs in
 * once with its token and gets a random session id in an HttpOnly, SameSite=Strict cookie (the
 * token itself never leaves the login request, is never in a URL, and is not readable by
 * scripts). API clients may send `Authorization: Bearer` instead.
 */
export interface ConsoleAuth {
  readonly required: boolean;
  /** The subject of the request, or UNAUTHORIZED. */
  check(authorization: string | undefined, cookieHeader: string | undefined): string;
  /** Exchanges a token for a session id; UNAUTHORIZED for a bad one (rate-limited). */
  login(token: string): { sessionId: string; subject: string; maxAgeSeconds: number };
  logout(cookieHeader: string | undefined): void;
}

export function cookieValue(cookieHeader: string | undefined, name: string): string | undefined {
  for (const part of (cookieHeader ?? "").split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return rest.join("=");
  }
  return undefined;
}

/** Builds the console's gate; `policy` undefined means an open console (loopback, local source). */
export function consoleAuth(policy: AuthPolicy | undefined, now: () => number = Date.now): ConsoleAuth {
  const sessions = new Map<string, { subject: string; expiresMs: number }>();
  let failures: number[] = [];
  const sessionOf = (cookieHeader: string | undefined) => {
    const id = cookieValue(cookieHeader, SESSION_COOKIE);
    const session = id === undefined ? undefined : sessions.get(id);
    if (id !== undefined && session && session.expiresMs <= now()) sessions.delete(id);
    return session && session.expiresMs > now() ? session : undefined;
  };
  return {
    required: policy !== undefined,
    check(authorization, cookieHeader) {
      if (!policy) return "open";
      if (authorization !== undefined) return authenticate(policy, authorization).subject;
      const session = sessionOf(cookieHeader);
      if (!session) throw new LedgerError("UNAUTHORIZED", "log in with the auditor token");
      return session.subject;
    },
    login(token) {
      if (!policy) return { sessionId: "", subject: "open", maxAgeSeconds: 0 };
      failures = failures.filter((at) => at > now() - 60_000);
      if (failures.length >= MAX_FAILURES_PER_MINUTE)
        throw new LedgerError("UNAUTHORIZED", "too many failed logins; wait a minute");
      let subject: string;
      try {
        subject = authenticate(policy, `Bearer ${token}`).subject;
      } catch (error) {
        failures.push(now());
        throw error;
      }
      if (sessions.size >= MAX_SESSIONS) {
        for (const [id, session] of sessions) if (session.expiresMs <= now()) sessions.delete(id);
        if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value as string);
      }
      const sessionId = randomBytes(32).toString("base64url");
      sessions.set(sessionId, { subject, expiresMs: now() + SESSION_MS });
      return { sessionId, subject, maxAgeSeconds: SESSION_MS / 1000 };
    },
    logout(cookieHeader) {
      const id = cookieValue(cookieHeader, SESSION_COOKIE);
      if (id !== undefined) sessions.delete(id);
    },
  };
}
