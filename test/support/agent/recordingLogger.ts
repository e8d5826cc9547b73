import type { ServiceLogger } from "../../../src/cni/cniService.js";

/** One line a `recordingLogger` received. */
export interface LoggedLine {
  readonly level: "info" | "warn" | "error";
  readonly details: Record<string, unknown>;
  readonly message: string;
}

/**
 * A `ServiceLogger` that keeps every line in memory, so a test can assert what the agent logged.
 *
 * @example
 *   const logger = recordingLogger();
 *   const agent = await startTestAgent({ logger });
 *   expect(logger.lines.filter((line) => line.level === "warn")).toHaveLength(1);
 */
export function recordingLogger(): ServiceLogger & { readonly lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const record =
    (level: LoggedLine["level"]) =>
    (details: Record<string, unknown>, message: string): void => {
      lines.push({ level, details, message });
    };
  return { lines, info: record("info"), warn: record("warn"), error: record("error") };
}
