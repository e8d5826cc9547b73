import { isLedgerError } from "../../ledger/core/index.js";
import { CliError, EXIT, exitCodeOf } from "../exitCodes.js";
import { renderJson, renderTable, type OutputFormat } from "../output.js";
import type { OperatorResult } from "./operatorService.js";

/** A refusal becomes a CliError with its exit code from the one table; anything else passes through. */
export function asOperatorCliError(error: unknown): unknown {
  if (isLedgerError(error)) return new CliError(exitCodeOf(error), error.message);
  return error;
}

function holderOf(event: OperatorResult["events"][number]): string {
  if (event.type !== "AddressReleased") return "-";
  const { owner } = event.data;
  const pod = owner.podName ? `${owner.podNamespace}/${owner.podName}` : `container ${owner.containerId}`;
  return `${pod} ${owner.ifName}`;
}

/**
 * How the CLI prints an action: on a dry run the exact events as JSON; otherwise one row per
 * event with the fold's verdict, then who acted and why. `--output json` prints the whole result.
 */
export function renderOperatorResult(result: OperatorResult, output: OutputFormat): string {
  if (result.dryRun) return renderJson(result.events);
  if (output === "json") return renderJson(result);
  const rows = result.events.map((event, index) => {
    const outcome = result.outcomes[index];
    const node = event.type === "AddressReleased" ? event.data.owner.node || "-" : "-";
    const what =
      event.type === "AddressReleased"
        ? event.data.ip
        : event.type === "AddressReserved" || event.type === "ReservationLifted"
          ? event.data.target
          : "-";
    return {
      status: outcome?.status ?? "?",
      event: event.type,
      pool: event.pool,
      address: what,
      holder: holderOf(event),
      node,
      detail: outcome?.reason ?? "",
    };
  });
  const lines =
    rows.length > 0 ? [renderTable(rows, ["status", "event", "pool", "address", "holder", "node", "detail"])] : [];
  lines.push(...result.notes.map((note) => `note: ${note}`));
  const user = result.actor.user ?? "?";
  const appended = result.events.length === 0 ? "nothing appended" : `${result.events.length} event(s) appended`;
  lines.push(`${appended} by ${user} (${result.actor.component} on ${result.actor.node}), reason: ${result.reason}`);
  return lines.join("\n");
}

/** Exit code of a completed action: 1 when the fold voided any of its events (someone acted first). */
export function exitCodeOfResult(result: OperatorResult): number {
  return result.outcomes.some((outcome) => outcome.status === "voided") ? EXIT.checkFailed : EXIT.ok;
}
