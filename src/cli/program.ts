import { Command, CommanderError } from "commander";
import { processIo, type CommandIo } from "./commandIo.js";
import { exampleHelp } from "./examples.js";
import { EXIT, exitCodeOf } from "../exitCodes.js";
import { packageVersion } from "./version.js";

type Register = (program: Command, exit: { code: number }, io: CommandIo) => void;

/**
 * Every command and the module that defines it. Modules load lazily: a command that does not
 * need the Kubernetes client or kafkajs does not pay for loading them (about a second on a busy
 * node), so only the command being run is imported; help and unknown commands load them all.
 */
const COMMANDS: readonly (readonly [string, () => Promise<Register>])[] = [
  ["agent", async () => (await import("./commands/agentCommand.js")).registerAgentCommand],
  ["who", async () => (await import("./commands/whoCommand.js")).registerWhoCommand],
  ["history", async () => (await import("./commands/historyCommand.js")).registerHistoryCommand],
  ["pool-state", async () => (await import("./commands/poolStateCommand.js")).registerPoolStateCommand],
  ["changes", async () => (await import("./commands/changesCommand.js")).registerChangesCommand],
  ["attribute", async () => (await import("./commands/attributeCommand.js")).registerAttributeCommand],
  ["export", async () => (await import("./commands/exportCommand.js")).registerExportCommand],
  ["pools", async () => (await import("./commands/poolsCommand.js")).registerPoolsCommand],
  [
    "project-kubernetes",
    async () => (await import("./commands/projectKubernetesCommand.js")).registerProjectKubernetesCommand,
  ],
  ["replay", async () => (await import("./commands/replayCommand.js")).registerReplayCommand],
  ["generate", async () => (await import("./commands/generateCommand.js")).registerGenerateCommand],
  ["verify", async () => (await import("./commands/verifyCommand.js")).registerVerifyCommand],
  ["reconcile", async () => (await import("./commands/reconcileCommand.js")).registerReconcileCommand],
  [
    "import-whereabouts",
    async () => (await import("./commands/importWhereaboutsCommand.js")).registerImportWhereaboutsCommand,
  ],
  ["release", async () => (await import("./commands/releaseCommand.js")).registerReleaseCommand],
  ["reserve", async () => (await import("./commands/reserveCommand.js")).registerReserveCommand],
  ["unreserve", async () => (await import("./commands/unreserveCommand.js")).registerUnreserveCommand],
  ["reset-pool", async () => (await import("./commands/resetPoolCommand.js")).registerResetPoolCommand],
  ["drain-node", async () => (await import("./commands/drainNodeCommand.js")).registerDrainNodeCommand],
  ["console", async () => (await import("./commands/consoleCommand.js")).registerConsoleCommand],
  ["allowlist", async () => (await import("./commands/allowlistCommand.js")).registerAllowlistCommand],
];

/** The names of every command, in the order `ipledger --help` lists them. */
export const COMMAND_NAMES: readonly string[] = COMMANDS.map(([name]) => name);

/** The line printed under a usage error, instead of the whole help page. */
export function usageHint(command: string | undefined): string {
  return `(run 'ipledger ${command ? `${command} ` : ""}--help' for the options and an example)`;
}

/** Builds the `ipledger` program with the commands named (all of them when none is). */
export async function buildProgram(
  exit: { code: number },
  only?: string,
  io: CommandIo = processIo(),
): Promise<Command> {
  const program = new Command("ipledger")
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .description("Event-sourced IP address management for Kubernetes secondary networks")
    .version(packageVersion(), "-V, --version", "print the version of ipledger")
    .showHelpAfterError(usageHint(undefined))
    .exitOverride();
  const wanted = COMMANDS.some(([name]) => name === only) ? COMMANDS.filter(([name]) => name === only) : COMMANDS;
  for (const [, load] of wanted) (await load())(program, exit, io);
  for (const command of program.commands) {
    command.showHelpAfterError(usageHint(command.name())).addHelpText("after", exampleHelp(command.name()));
  }
  return program;
}

/**
 * Runs the CLI and returns the exit code; errors are printed once, here, as one line with what
 * to do. A usage error (exit 2) adds a hint to the command's help page rather than printing it.
 */
export async function runCli(argv: readonly string[], io: CommandIo = processIo()): Promise<number> {
  const exit = { code: EXIT.ok as number };
  const named = COMMAND_NAMES.includes(argv[2] ?? "") ? argv[2] : undefined;
  try {
    const program = await buildProgram(exit, argv[2], io);
    await program.parseAsync([...argv]);
    return exit.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const code = exitCodeOf(error);
    const hint = code === EXIT.usage ? `\n${usageHint(named)}` : "";
    io.stderr.write(`ipledger: ${(error as Error).message}${hint}\n`);
    return code;
  }
}
