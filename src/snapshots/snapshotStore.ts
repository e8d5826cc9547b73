import { mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { LedgerState } from "../../ledger/core/index.js";
import type { EventLog } from "../../ledger/log/eventLog.js";
import { readSnapshotFile, writeSnapshotFile } from "./snapshotFile.js";

export interface LoadedSnapshot {
  readonly state: LedgerState;
  readonly heads: Map<number, string>;
  readonly path: string;
  /** Events the snapshot covers (sum of its positions). */
  readonly events: number;
}

const NAME = /^snapshot-(\d{16})\.ndjson$/;
const KEEP = 3;

const eventsOf = (state: LedgerState): number => [...state.applied.values()].reduce((sum, next) => sum + next, 0);

/**
 * The snapshots of one data directory (`<data-dir>/snapshots`, mode 0700), newest first by the
 * number of events they cover. The newest KEEP are kept; a snapshot found unusable is renamed
 * `*.discarded` (kept for a post-mortem, never read again).
 *
 * @example
 *   const store = openSnapshotStore(join(dataDir, "snapshots"));
 *   const loaded = await store.loadNewest(log, (message) => logger.warn(message));
 */
export function openSnapshotStore(dir: string) {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const list = (): string[] =>
    readdirSync(dir)
      .filter((name) => NAME.test(name))
      .sort()
      .reverse();
  return {
    dir,
    list: (): string[] => list().map((name) => join(dir, name)),
    /** Writes a snapshot of `state`; returns its path. */
    write(state: LedgerState, heads: ReadonlyMap<number, string>): { path: string; events: number; bytes: number } {
      const events = eventsOf(state);
      const path = join(dir, `snapshot-${String(events).padStart(16, "0")}.ndjson`);
      const { bytes } = writeSnapshotFile(path, state, heads);
      for (const old of list().slice(KEEP)) rmSync(join(dir, old), { force: true });
      return { path, events, bytes };
    },
    /**
     * The newest snapshot that reads back and whose chain head at each of its positions is the
     * log's own: a snapshot of another log, of a log since rewritten, or ahead of the log is
     * refused with a warning and the next older one is tried. Undefined: fold from the start.
     */
    async loadNewest(
      log: EventLog,
      warn: (message: string) => void,
      accept: (loaded: LoadedSnapshot) => string | undefined = () => undefined,
    ): Promise<LoadedSnapshot | undefined> {
      const ends = await log.endOffsets();
      // A write killed half-way leaves its temp file: never read, swept here.
      for (const name of readdirSync(dir)) if (name.includes(".tmp-")) rmSync(join(dir, name), { force: true });
      for (const name of list()) {
        const path = join(dir, name);
        try {
          const { state, heads } = readSnapshotFile(path);
          await checkAgainstLog(log, ends, state, heads);
          const loaded = { state, heads, path, events: eventsOf(state) };
          const refusal = accept(loaded);
          if (refusal) {
            warn(`snapshot ${path} not used: ${refusal}`);
            continue; // usable later; not discarded
          }
          return loaded;
        } catch (error) {
          warn(
            `snapshot ${path} discarded: ${(error as Error).message}; trying an older one or folding from the start`,
          );
          renameSync(path, `${path}.discarded`);
        }
      }
      return undefined;
    },
  };
}

export type SnapshotStore = ReturnType<typeof openSnapshotStore>;

async function checkAgainstLog(
  log: EventLog,
  ends: ReadonlyMap<number, number>,
  state: LedgerState,
  heads: ReadonlyMap<number, string>,
): Promise<void> {
  for (const [partition, next] of state.applied) {
    if (next === 0) continue;
    if ((ends.get(partition) ?? 0) < next)
      throw new Error(
        `it covers partition ${partition} up to offset ${next - 1} but the log ends at ${(ends.get(partition) ?? 0) - 1}`,
      );
    const [last] = await log.read(partition, next - 1, 1);
    const expected = heads.get(partition);
    if (!last || last.event.hash !== expected)
      throw new Error(
        `its chain head at partition ${partition} offset ${next - 1} is not the log's (${String(expected).slice(0, 12)}… vs ${String(last?.event.hash).slice(0, 12)}…)`,
      );
  }
}
