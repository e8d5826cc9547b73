import { Command, CommanderError } from "commander";
import { registerAgentCommand } from "./commands/agentCommand.js";
import { registerHistoryCommand } from "./commands/historyCommand.js";
import { registerImportWhereaboutsCommand } from "./commands/importWhereaboutsCommand.js";
import { registerPoolsCommand } from "./commands/poolsCommand.js";
import { registerProjectKubernetesCommand } from "./commands/projectKubernetesCommand.js";
import { registerReconcileCommand } from "./commands/reconcileCommand.js";
import { registerReplayCommand } from "./commands/replayCommand.js";
import { registerVerifyCommand } from "./commands/verifyCommand.js";
import { registerWhoCommand } from "./commands/whoCommand.js";
import { registerAttributeCommand } from "./commands/attributeCommand.js";
import { registerChangesCommand } from "./commands/changesCommand.js";
import { registerExportCommand } from "./commands/exportCommand.js";
import { registerPoolStateCommand } from "./commands/poolStateCommand.js";
import { registerAllowlistCommand } from "./commands/allowlistCommand.js";
import { registerDrainNodeCommand } from "./commands/drainNodeCommand.js";
import { registerReleaseCommand } from "./commands/releaseCommand.js";
import { registerReserveCommand } from "./commands/reserveCommand.js";
import { registerResetPoolCommand } from "./commands/resetPoolCommand.js";
import { registerUnreserveCommand } from "./commands/unreserveCommand.js";
import { EXIT, exitCodeOf } from "./exitCodes.js";

/** Builds the `ipledger` program. Each command sets `process.exitCode`-free results via `exit`. */
export function buildProgram(exit: { code: number }): Command {
  const program = new Command("ipledger")
    .description("Event-sourced IP address management for Kubernetes secondary networks")
    .showHelpAfterError()
    .exitOverride();
  registerAgentCommand(program);
  registerWhoCommand(program);
  registerHistoryCommand(program);
  registerPoolStateCommand(program);
  registerChangesCommand(program);
  registerAttributeCommand(program);
  registerExportCommand(program);
  registerPoolsCommand(program);
  registerProjectKubernetesCommand(program);
  registerReplayCommand(program, exit);
  registerVerifyCommand(program, exit);
  registerReconcileCommand(program);
  registerImportWhereaboutsCommand(program, exit);
  registerReleaseCommand(program, exit);
  registerReserveCommand(program, exit);
  registerUnreserveCommand(program, exit);
  registerResetPoolCommand(program, exit);
  registerDrainNodeCommand(program, exit);
  registerAllowlistCommand(program);
  return program;
}

/** Runs the CLI and returns the exit code; errors are printed once, here, with what to do. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const exit = { code: EXIT.ok as number };
  try {
    await buildProgram(exit).parseAsync([...argv]);
    return exit.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    process.stderr.write(`ipledger: ${(error as Error).message}\n`);
    return exitCodeOf(error);
  }
}
