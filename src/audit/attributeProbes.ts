import { isLedgerError } from "../../ledger/core/index.js";
import type { AttributionResolver } from "../../projections/sqlite/attributionResolver.js";
import type { Holder, Queries } from "../../projections/sqlite/queries.js";
import { parseInstant } from "../time.js";

/** One (address, instant) to attribute, as the API receives it: `at` in any form `parseInstant` reads. */
export interface ProbeInput {
  readonly ip?: unknown;
  readonly at?: unknown;
}

/** What a probe found: the holders then (empty = unallocated), or why the probe could not be read. */
export type ProbeResult =
  | { readonly ip: string; readonly at: string; readonly holders: readonly Holder[] }
  | { readonly ip: string; readonly at: string; readonly error: string };

/**
 * Attributes a batch of probes with one resolver, so the batch is answered from one state of
 * the projection (the caller runs it synchronously, between two projection writes).
 *
 * @example answerAttribution(queries, [{ ip: "10.20.4.17", at: "2026-11-20T03:12:09Z" }])
 */
export function answerAttribution(
  queries: Queries,
  probes: readonly ProbeInput[],
  resolver: AttributionResolver = queries.attributionResolver(),
): ProbeResult[] {
  return probes.map((probe) => {
    const ip = typeof probe?.ip === "string" ? probe.ip : String(probe?.ip ?? "");
    const atText = typeof probe?.at === "number" ? String(probe.at) : typeof probe?.at === "string" ? probe.at : "";
    let atMs: number;
    try {
      atMs = parseInstant(atText, "at");
    } catch (error) {
      return { ip, at: atText, error: isLedgerError(error) ? error.message : String(error) };
    }
    const found = resolver.resolve(ip, atMs);
    const at = new Date(atMs).toISOString();
    return "invalid" in found ? { ip, at, error: found.invalid } : { ip, at, holders: found.holders };
  });
}
