import { Command, CommanderError } from "commander";
import { EXIT, exitCodeOf } from "./exitCodes.js";

type Register = (program: Command, exit: { code: number }) => void;

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
  ["project-kubernetes", async () => (await import("./commands/projectKubernetesCommand.js")).registerProjectKubernetesCommand],
  ["replay", async () => (await import("./commands/replayCommand.js")).registerReplayCommand],
  ["generate", async () => (await import("./commands/generateCommand.js")).registerGenerateCommand],
  ["verify", async () => (await import("./commands/verifyCommand.js")).registerVerifyCommand],
  ["reconcile", async () => (await import("./commands/reconcileCommand.js")).registerReconcileCommand],
  ["import-whereabouts", async () => (await import("./commands/importWhereaboutsCommand.js")).registerImportWhereaboutsCommand],
  ["release", async () => (await import("./commands/releaseCommand.js")).registerReleaseCommand],
  ["reserve", async () => (await import("./commands/reserveCommand.js")).registerReserveCommand],
  ["unreserve", async () => (await import("./commands/unreserveCommand.js")).registerUnreserveCommand],
  ["reset-pool", async () => (await import("./commands/resetPoolCommand.js")).registerResetPoolCommand],
  ["drain-node", async () => (await import("./commands/drainNodeCommand.js")).registerDrainNodeCommand],
  ["allowlist", async () => (await import("./commands/allowlistCommand.js")).registerAllowlistCommand],
];

/** Builds the `ipledger` program with the commands named (all of them when none is). */
export async function buildProgram(exit: { code: number }, only?: string): Promise<Command> {
  const program = new Command("ipledger")
    .description("Event-sourced IP address management for Kubernetes secondary networks")
    .showHelpAfterError()
    .exitOverride();
  const wanted = COMMANDS.some(([name]) => name === only) ? COMMANDS.filter(([name]) => name === only) : COMMANDS;
  for (const [, load] of wanted) (await load())(program, exit);
  return program;
}

/** Runs the CLI and returns the exit code; errors are printed once, here, with what to do. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const exit = { code: EXIT.ok as number };
  try {
    const program = await buildProgram(exit, argv[2]);
    await program.parseAsync([...argv]);
    return exit.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    process.stderr.write(`ipledger: ${(error as Error).message}\n`);
    return exitCodeOf(error);
  }
}
