import type { Command } from "commander";
import { startAgent } from "../../agent.js";
import { DEFAULT_DATA_DIR, DEFAULT_SOCKET } from "../defaults.js";

function announce(socket: string, dataDir: string): void {
  process.stdout.write(
    [
      "",
      `ipledger agent is running: embedded log and projection in ${dataDir}, API on ${socket} (mode 0600).`,
      "Try it (in another terminal; from a checkout `ipledger` is `node dist/src/cli/bin.js`):",
      "  npm run demo                                   # drive simulated pods through the real CNI plugin",
      `  node dist/src/cli/bin.js pools --socket ${socket}`,
      `  node dist/src/cli/bin.js who 10.77.0.2 --socket ${socket}`,
      `  node dist/src/cli/bin.js history --ip 10.77.0.2 --socket ${socket}`,
      `  curl --unix-socket ${socket} http://localhost/v1/allocations`,
      "Stop with Ctrl-C.",
      "",
    ].join("\n"),
  );
}

export function registerAgentCommand(program: Command): void {
  program
    .command("agent")
    .description("run the node agent: the API the CNI plugin talks to, on the embedded SQLite log")
    .option("--data-dir <dir>", "where the log and projection live", DEFAULT_DATA_DIR)
    .option("--socket <path>", "unix socket for the plugin and the CLI (root-only, 0600)", DEFAULT_SOCKET)
    .option("--listen <host:port>", "also serve the API on TCP (needs --token-file)")
    .option("--token-file <file>", "bearer tokens for --listen: one 'TOKEN [admin|auditor] [SUBJECT]' per line, mode 0600")
    .option("--node <name>", "this node's name, recorded in every allocation (default $NODENAME or the hostname)")
    .option("--announce", "print how to use the agent once it listens")
    .action(async (options: { dataDir: string; socket: string; listen?: string; tokenFile?: string; node?: string; announce?: boolean }) => {
      const agent = await startAgent({
        dataDir: options.dataDir,
        socket: options.socket,
        ...(options.listen ? { listen: options.listen } : {}),
        ...(options.tokenFile ? { tokenFile: options.tokenFile } : {}),
        ...(options.node ? { node: options.node } : {}),
      });
      if (options.announce) announce(agent.socketPath, options.dataDir);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          void agent.close().then(resolve);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    });
}
