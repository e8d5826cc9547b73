import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
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

export interface ConsoleMountOptions extends ConsoleServerOptions {
  /** Where the console is mounted: "" for `ipledger console`, "/console" under the agent's TCP listener. */
  readonly prefix: string;
}

/**
 * index.html for a mount: the asset URLs under the prefix, and the prefix in the page (a meta
 * tag the app reads, web/basePath.ts) so its links and calls stay under it. Unchanged for "".
 */
export function indexForMount(html: string, prefix: string): string {
  return html
    .replaceAll('"/assets/', `"${prefix}/assets/`)
    .replace('<meta name="ipledger-base" content="" />', `<meta name="ipledger-base" content="${prefix}" />`);
}

/**
 * The standalone console's HTTP server (`ipledger console`): the console mounted at the root.
 *
 * @example const app = buildConsoleServer({ data, auth }); await app.listen({ host: "127.0.0.1", port: 9741 });
 */
export function buildConsoleServer(options: ConsoleServerOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, maxParamLength: 300 });
  void app.register(async (scope) => mountConsole(scope, { ...options, prefix: "" }));
  return app;
}

/**
 * Mounts the console on a fastify scope (register it with `{ prefix }`): the bundled single-page
 * app (index.html for every page URL, so a pasted link opens the right page) and its read-only
 * JSON API behind the console's gate. Its hooks, error handler and 404 stay inside the scope, so
 * the agent's own API keeps its bearer tokens and its answers.
 *
 * @example await app.register((scope) => mountConsole(scope, { data, auth, prefix: "/console" }), { prefix: "/console" });
 */
export async function mountConsole(app: FastifyInstance, options: ConsoleMountOptions): Promise<void> {
  const { prefix } = options;
  const assets = options.assets ?? assetDirectory();
  const files = new Map(Object.keys(ASSETS).map((name) => [name, readFileSync(join(assets, name))]));
  const index = indexForMount(readFileSync(join(assets, "index.html"), "utf8"), prefix);
  const api = `${prefix}/api/`;
  // JSON bodies (login) are small; the attribution upload is a stream and never buffered.
  app.addHook("onRoute", (route) => {
    route.bodyLimit ??= 64 * 1024;
  });

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
      !request.url.startsWith(api) || request.url.startsWith(`${api}login`) || request.url.startsWith(`${api}session`);
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

  const page = async (_request: unknown, reply: FastifyReply) =>
    reply.header("content-type", "text/html; charset=utf-8").send(index);
  app.get("/", page);
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
        `${SESSION_COOKIE}=${session.sessionId}; Path=${prefix || "/"}; HttpOnly; SameSite=Strict; Max-Age=${session.maxAgeSeconds}`,
      );
    return { subject: session.subject };
  });
  app.post("/api/logout", async (request, reply) => {
    options.auth.logout(request.headers.cookie);
    reply.header("set-cookie", `${SESSION_COOKIE}=; Path=${prefix || "/"}; HttpOnly; SameSite=Strict; Max-Age=0`);
    return { ok: true };
  });

  registerConsoleApi(app, options.data);
  registerConsoleTools(app, options.data);
  app.get("/api/*", async () => {
    throw new LedgerError("NOT_FOUND", "no such API route");
  });
  app.setNotFoundHandler(async (request, reply) => {
    if (request.method !== "GET" || request.url.startsWith(api))
      return reply.status(404).send(problemBody(new LedgerError("NOT_FOUND", "no such route")));
    return page(request, reply);
  });
}
