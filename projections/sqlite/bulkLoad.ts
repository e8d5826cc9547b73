import type Database from "better-sqlite3";
import { deferredTenancies } from "./deferredTenancies.js";
import { projectionWriter } from "./projectionStatements.js";
import type { Checkpoint, ProjectedEvent } from "./sqliteProjection.js";

const SAVE_CHECKPOINT = `INSERT INTO checkpoints (partition, next_offset, head_hash) VALUES (?, ?, ?)
  ON CONFLICT(partition) DO UPDATE SET next_offset = excluded.next_offset, head_hash = excluded.head_hash`;

export interface BulkLoad {
  /** Writes a batch of folded events (one transaction). */
  apply(batch: readonly ProjectedEvent[]): void;
  /** Writes what was held back, the checkpoints reached, and rebuilds the indexes. */
  finish(checkpoints: readonly Checkpoint[]): void;
}

/**
 * Loads an EMPTY projection in bulk, for a replay: secondary indexes are dropped and rebuilt once
 * at the end (one sorted build instead of a B-tree update per row), tenancies are written whole
 * when they close (`deferredTenancies`), and the file is written without a journal or fsyncs.
 * The file is valid only once `finish()` has returned: safe for a file nobody reads before then
 * and that is thrown away if the process dies (replay and verify build into a fresh file and
 * swap it in), and the reason checkpoints are written only by `finish()`.
 *
 * @example const bulk = beginBulkLoad(fresh.db); bulk.apply(projected); …; bulk.finish(checkpoints);
 */
export function beginBulkLoad(db: Database.Database): BulkLoad {
  const indexes = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").all() as {
    name: string;
    sql: string;
  }[];
  const journal = db.pragma("journal_mode", { simple: true }) as string;
  db.pragma("journal_mode = OFF");
  db.pragma("synchronous = OFF");
  db.pragma("cache_size = -65536"); // 64 MiB of page cache while loading; bounded whatever the log length
  db.transaction(() => indexes.forEach((index) => db.exec(`DROP INDEX "${index.name}"`)))();
  const tenancies = deferredTenancies(db);
  const write = projectionWriter(db, tenancies);
  const saveCheckpoint = db.prepare(SAVE_CHECKPOINT);
  const apply = db.transaction((batch: readonly ProjectedEvent[]) => {
    for (const { logged, outcome } of batch) write(logged, outcome);
  });
  let finished = false;
  return {
    apply,
    finish(checkpoints): void {
      if (finished) return;
      finished = true;
      db.transaction(() => {
        tenancies.finish();
        for (const { partition, nextOffset, headHash } of checkpoints)
          saveCheckpoint.run(partition, nextOffset, headHash);
        indexes.forEach((index) => db.exec(index.sql));
      })();
      db.pragma(`journal_mode = ${journal}`);
      db.pragma("cache_size = -2000");
      db.pragma("synchronous = NORMAL");
    },
  };
}
