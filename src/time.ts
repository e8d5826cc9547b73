import { LedgerError } from "../ledger/core/index.js";

/**
 * Parses a point in time given by a person: ISO 8601 with a zone (`2026-11-20T03:12:09Z`,
 * `…+01:00`), epoch seconds (10 digits) or milliseconds (13 digits), or `now`. A time without a
 * zone is refused: it would silently mean the server's zone.
 *
 * @example parseInstant("2026-11-20T03:12:09Z", "at") // 1795662729000
 */
export function parseInstant(text: string, key: string, nowMs: number = Date.now()): number {
  const trimmed = text.trim();
  if (trimmed === "now") return nowMs;
  if (/^\d{10}(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  if (/^\d{13}$/.test(trimmed)) return Number(trimmed);
  const relative = /^(\d+)\s*(s|m|h|d)\s+ago$/.exec(trimmed);
  if (relative) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as "s" | "m" | "h" | "d"];
    return nowMs - Number(relative[1]) * unit;
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(trimmed)) {
    const parsed = Date.parse(trimmed);
    if (Number.isFinite(parsed)) return parsed;
  }
  const hint = /^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(trimmed) ? " (add a zone such as Z or +01:00: a time without one is ambiguous)" : "";
  throw new LedgerError("INVALID_REQUEST", `${key} ${JSON.stringify(text)} is not a time${hint}; use ISO 8601 like 2026-11-20T03:12:09Z, epoch seconds or milliseconds, or "2h ago"`, { key });
}
