import type { Command } from "commander";
import {
  sourceOptionsOf,
  TIME_HELP,
  timeZoneOfOptions,
  withAuditOptions,
  type AuditCommandOptions,
} from "../../audit/auditOptions.js";
import { basisLine, poolStateText } from "../../audit/auditRender.js";
import { openReadModel } from "../../readModel/openReadModel.js";
import { parseInstant, retime } from "../../time.js";
import { renderJson } from "../../output.js";
import type { CommandIo } from "../commandIo.js";

export function registerPoolStateCommand(program: Command, _exit: { code: number }, io: CommandIo): void {
  withAuditOptions(
    program
      .command("pool-state")
      .description("a whole pool as it was at an instant: its definition then, every holder, reservations and counts")
      .argument("<pool>", "the pool, as ipledger pools names it (e.g. 10.20.0.0-24 or production-10.20.0.0-24)")
      .option("--at <time>", `the instant (default now): ${TIME_HELP}`)
      .option("--domain <name>", "the pool's allocation domain, when pools of several domains share the name"),
  ).action(async (pool: string, options: AuditCommandOptions & { at?: string; domain?: string }) => {
    const atMs = options.at ? parseInstant(options.at, "--at") : Date.now();
    const source = await openReadModel(sourceOptionsOf(options));
    try {
      const basis = await source.basis();
      const state = retime(await source.poolState(pool, atMs, options.domain), timeZoneOfOptions(options));
      if (options.output === "json") return void io.stdout.write(`${renderJson({ ...state, basis })}\n`);
      io.stdout.write(`${poolStateText(state)}\n${basisLine(basis)}\n`);
    } finally {
      await source.close();
    }
  });
}
