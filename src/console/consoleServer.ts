import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Fastify, { type FastifyInstance } from "fastify";
import { LedgerError } from "../../ledger/core/index.js";
import { asLedgerError, HTTP_STATUSES, problemBody } from "../http/httpErrors.js";
import type { ConsoleAuth } from "./consoleAuth.js";
import { SESSION_COOKIE } from "./consoleAuth.js";
import { registerConsoleApi } from "./consoleApi.js";
import type { ConsoleData } from "./consoleData.js";
import { registerConsoleTools } from "./consoleTools.js";

/** No inline script or style, nothing from another origin: the page can only talk to this server. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$/;

const ASSETS: Record<string, string> = {
  "app.js": "text/javascript; charset=utf-8",
  "app.css": "text/css; charset=utf-8",
};

/** Where `npm run build` put the bundle: dist/console, next to dist/src. */
export function assetDirectory(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, "../../console"), join(here, "../../dist/console")];
  const found = candidates.find((dir) => existsSync(join(dir, "index.html")));
  if (!found)
    throw new LedgerError(
      "NOT_FOUND",
      `the console's assets are not built (looked in ${candidates.join(", ")}); run npm run build`,
    );
  return found;
}

export interface ConsoleServerOptions {
  readonly data: ConsoleData;
  readonly auth: ConsoleAuth;
  readonly assets?: string;
}

/**
 * The console's HTTP server: the bundled single-page app (index.html for every page URL, so a
 * pasted link opens the right page) and its read-only JSON API behind the console's gate.
 */
export function buildConsoleServer(options: ConsoleServerOptions): FastifyInstance {
  const assets = options.assets ?? assetDirectory();
  const files = new Map(Object.keys(ASSETS).map((name) => [name, readFileSync(join(assets, name))]));
  const index = readFileSync(join(assets, "index.html"));
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, maxParamLength: 300 });

  app.addHook("onRequest", async (request, reply) => {
    reply.header("content-security-policy", CONTENT_SECURITY_POLICY);
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "no-referrer");
    reply.header("x-frame-options", "DENY");
    reply.header("cache-control", "no-store");
    // Without a token, only a loopback Host is served: a rebound DNS name cannot read the console.
    if (!options.auth.required && !LOOPBACK_HOST.test(request.headers.host ?? "")) {
      throw new LedgerError(
        "FORBIDDEN",
        "this console runs without a token and answers to loopback addresses only (localhost, 127.0.0.1, [::1])",
      );
    }
    const open =
      !request.url.startsWith("/api/") ||
      request.url.startsWith("/api/login") ||
      request.url.startsWith("/api/session");
    if (!open) options.auth.check(request.headers.authorization, request.headers.cookie);
  });

  app.setErrorHandler((error, _request, reply) => {
    const ledgerError =
      (error as { statusCode?: number }).statusCode && !(error instanceof LedgerError)
        ? new LedgerError(
            (error as { statusCode: number }).statusCode === 413 ? "REQUEST_TOO_LARGE" : "INVALID_REQUEST",
            error instanceof Error ? error.message : String(error),
          )
        : asLedgerError(error);
    reply.status(HTTP_STATUSES[ledgerError.code]).send(problemBody(ledgerError));
  });

  app.get("/assets/:file", async (request, reply) => {
    const name = (request.params as { file: string }).file;
    const body = files.get(name);
    if (!body) throw new LedgerError("NOT_FOUND", "no such asset");
    return reply.header("content-type", ASSETS[name] as string).send(body);
  });

  app.get("/api/session", async (request) => {
    try {
      return {
        required: options.auth.required,
        subject: options.auth.check(request.headers.authorization, request.headers.cookie),
      };
    } catch {
      return { required: true, subject: null };
    }
  });
  app.post("/api/login", async (request, reply) => {
    const token = (request.body as { token?: unknown } | undefined)?.token;
    if (typeof token !== "string") throw new LedgerError("INVALID_REQUEST", 'send {"token": "…"}', { key: "token" });
    const session = options.auth.login(token);
    if (session.sessionId)
      reply.header(
        "set-cookie",
        `${SESSION_COOKIE}=${session.sessionId}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${session.maxAgeSeconds}`,
      );
    return { subject: session.subject };
  });
  app.post("/api/logout", async (request, reply) => {
    options.auth.logout(request.headers.cookie);
    reply.header("set-cookie", `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
    return { ok: true };
  });

  registerConsoleApi(app, options.data);
  registerConsoleTools(app, options.data);
  app.get("/api/*", async () => {
    throw new LedgerError("NOT_FOUND", "no such API route");
  });
  app.setNotFoundHandler(async (request, reply) => {
    if (request.method !== "GET" || request.url.startsWith("/api/"))
      return reply.status(404).send(problemBody(new LedgerError("NOT_FOUND", "no such route")));
    return reply.header("content-type", "text/html; charset=utf-8").send(index);
  });
  return app;
}
