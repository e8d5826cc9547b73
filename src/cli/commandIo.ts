import type { Writable } from "node:stream";

/**
 * Where a command prints: injected, as the plugin's `runPlugin` takes its streams, so a test runs
 * a command in-process and reads what it printed without patching `process.stdout`.
 *
 * @example await runCli(["node", "ipledger", "pools", "--output", "json"], { stdout: collector, stderr: collector });
 */
export interface CommandIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
}

/** The process's own streams: what `bin.ts` runs with. */
export function processIo(): CommandIo {
  return { stdout: process.stdout, stderr: process.stderr };
}
