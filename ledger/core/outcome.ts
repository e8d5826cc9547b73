import type { Owner, PoolDefinition, ReleaseReason } from "./events.js";

/** What applying one event did. Projections turn outcomes into rows. */
export type EventStatus = "accepted" | "voided" | "duplicate";

export type Effect =
  | {
      readonly kind: "poolDefined";
      readonly domain: string;
      readonly pool: string;
      readonly definition: PoolDefinition;
    }
  | {
      readonly kind: "tenancyOpened";
      readonly domain: string;
      readonly pool: string;
      readonly ip: string;
      readonly owner: Owner;
      readonly requested: boolean;
    }
  | {
      readonly kind: "tenancyClosed";
      readonly domain: string;
      readonly pool: string;
      readonly ip: string;
      readonly owner: Owner;
      readonly reason: ReleaseReason | "adopted";
    }
  | {
      readonly kind: "reserved";
      readonly domain: string;
      readonly pool: string;
      readonly target: string;
      readonly note: string;
    }
  | { readonly kind: "reservationLifted"; readonly domain: string; readonly pool: string; readonly target: string };

export interface Outcome {
  readonly status: EventStatus;
  /** Why an event was voided or counted as a duplicate; absent when accepted. */
  readonly reason?: string;
  readonly effects: readonly Effect[];
  /** The effective time assigned to the event (ms since epoch, monotonic per partition). */
  readonly effectiveMs: number;
}

export function accepted(effectiveMs: number, effects: Effect[]): Outcome {
  return { status: "accepted", effects, effectiveMs };
}

export function voided(effectiveMs: number, reason: string): Outcome {
  return { status: "voided", reason, effects: [], effectiveMs };
}
