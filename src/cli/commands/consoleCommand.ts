import { isIP } from "node:net";
import type { Command } from "commander";
import { LedgerError } from "../../../ledger/core/index.js";
import { sourceOptionsOf, withAuditOptions, type AuditCommandOptions } from "../../audit/auditOptions.js";
import { consoleAuth } from "../../console/consoleAuth.js";
import { openConsoleData } from "../../console/consoleData.js";
import { buildConsoleServer } from "../../console/consoleServer.js";
import { loadTokenFile } from "../../http/auth.js";
import type { CommandIo } from "../commandIo.js";
import { applyListenerLimits, TCP_LIMITS, type ListenerLimits } from "../../http/listenerLimits.js";

const LOOPBACK = new Set(["localhost", "::1"]);

/** The agent's TCP limits, with an hour for a request: an attribution upload of a large log streams for long. */
const CONSOLE_LIMITS: ListenerLimits = { ...TCP_LIMITS, idleTimeoutMs: 60_000, requestTimeoutMs: 3_600_000 };

/** 127.0.0.0/8, ::1 and `localhost`: reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host) || (isIP(host) === 4 && host.startsWith("127."));
}

export function splitListen(text: string): { host: string; port: number } {
  const match = /^(.*):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[2]) : -1;
  if (!match || !match[1] || port > 65_535)
    throw new LedgerError("INVALID_CONFIG", `--listen ${text} must be HOST:PORT, e.g. 127.0.0.1:9741`, {
      key: "--listen",
    });
  return { host: (match[1] as string).replace(/^\[|\]$/g, ""), port };
}

export function registerConsoleCommand(program: Command, _exit: { code: number }, io: CommandIo): void {
  withAuditOptions(
    program
      .command("console")
      .description(
        "serve the read-only auditor's console (timelines, pools as of any instant, changes, attribution, integrity) to a browser",
      )
      .option("--listen <host:port>", "where to serve it; a non-loopback address needs --token-file", "127.0.0.1:9741")
      .option(
        "--token-file <file>",
        "the agent's token file ('TOKEN [admin|auditor] [SUBJECT]' per line, mode 0600): the browser logs in with a token",
      ),
    { output: false },
  ).action(async (options: AuditCommandOptions & { listen: string; tokenFile?: string }) => {
    const { host, port } = splitListen(options.listen);
    const local = !options.socket;
    if (!options.tokenFile && !(isLoopbackHost(host) && local)) {
      throw new LedgerError(
        "INVALID_CONFIG",
        `--listen ${options.listen} needs --token-file: only a loopback console over a local data directory or Kafka may run without the auditor token`,
        { key: "--token-file" },
      );
    }
    const auth = consoleAuth(options.tokenFile ? loadTokenFile(options.tokenFile) : undefined);
    const data = await openConsoleData(sourceOptionsOf(options));
    let app;
    try {
      app = buildConsoleServer({ data, auth });
      applyListenerLimits(app.server, CONSOLE_LIMITS);
      await app.listen({ host, port });
    } catch (error) {
      await data.close();
      throw error;
    }
    const address = app.server.address();
    const bound = typeof address === "object" && address ? address.port : port;
    const shown = host.includes(":") ? `[${host}]` : host;
    io.stdout.write(`http://${shown}:${bound}/\n`);
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await app.close();
    await data.close();
  });
}
