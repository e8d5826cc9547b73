import Database from "better-sqlite3";
import { LedgerError } from "../../ledger/core/index.js";
import { fileExists } from "../../ledger/log/fileAccess.js";
import { openCommandLog } from "./logOptions.js";
import { openProjectionSnapshot } from "./projectionSnapshot.js";
import { projectionReadModel } from "./projectionReadModel.js";
import type { ReadModel, ReadModelOptions } from "./readModel.js";

/** Waits until the projection's checkpoints reach the end the log had when asked. */
async function waitForProjection(options: ReadModelOptions, projectionPath: string): Promise<void> {
  const log = await openCommandLog(options, options.dataDir);
  let ends;
  try {
    ends = await log.endOffsets();
  } finally {
    await log.close();
  }
  const timeoutMs = options.consistentTimeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  const db = new Database(projectionPath, { readonly: true, fileMustExist: true });
  try {
    for (;;) {
      const reached = new Map(
        (
          db.prepare("SELECT partition, next_offset AS next FROM checkpoints").all() as {
            partition: number;
            next: number;
          }[]
        ).map((row) => [row.partition, row.next]),
      );
      const behind = [...ends].reduce(
        (sum, [partition, end]) => sum + Math.max(0, end - (reached.get(partition) ?? 0)),
        0,
      );
      if (behind === 0) return;
      if (Date.now() > deadline) {
        throw new LedgerError(
          "NOT_READY",
          `the projection ${projectionPath} is still ${behind} events behind the log after ${timeoutMs} ms; is the agent running on this data directory? (without an agent, ipledger replay rebuilds it)`,
        );
      }
      await new Promise((done) => setTimeout(done, 50));
    }
  } finally {
    db.close();
  }
}

/**
 * Answers from the projection the agent keeps in its data directory, read-only: one frozen
 * snapshot (every page of an answer agrees), or with `follow` the newest commit at each query.
 * `consistent` first waits until the projection has folded the whole log.
 *
 * @example const model = await dataDirReadModel(options, "/var/lib/ipledger/projection.db");
 */
export async function dataDirReadModel(options: ReadModelOptions, projectionPath: string): Promise<ReadModel> {
  // An unreadable file or folder is named as such (FORBIDDEN), never reported as missing.
  if (!fileExists(projectionPath)) {
    throw new LedgerError(
      "NOT_FOUND",
      `no projection at ${projectionPath}; pass the agent's --data-dir, or --socket to ask a running agent, or --kafka to replay the log`,
    );
  }
  if (options.consistent) await waitForProjection(options, projectionPath);
  return projectionReadModel(openProjectionSnapshot(projectionPath, { frozen: !options.follow }));
}
