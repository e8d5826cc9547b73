import type Database from "better-sqlite3";

/** Indexes the fold's own writes look up (closing a tenancy); every other one waits for the end. */
const NEEDED_WHILE_LOADING = new Set(["tenancies_open"]);

/**
 * Prepares an EMPTY projection for a replay: secondary indexes are dropped and rebuilt once at
 * the end (one sorted build instead of a B-tree update per row), and the file is written without
 * fsyncs while loading. Safe only for a file nobody reads until `finish()` returns and that is
 * thrown away if the process dies (replay and verify build into a fresh file and swap it in).
 *
 * @example const bulk = beginBulkLoad(fresh.db); ...applyBatch...; bulk.finish();
 */
export function beginBulkLoad(db: Database.Database): { finish(): void } {
  const indexes = db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").all() as {
    name: string;
    sql: string;
  }[];
  const deferred = indexes.filter((index) => !NEEDED_WHILE_LOADING.has(index.name));
  db.pragma("synchronous = OFF");
  db.pragma("cache_size = -65536"); // 64 MiB of page cache while loading; bounded whatever the log length
  db.transaction(() => deferred.forEach((index) => db.exec(`DROP INDEX "${index.name}"`)))();
  let finished = false;
  return {
    finish(): void {
      if (finished) return;
      finished = true;
      db.transaction(() => deferred.forEach((index) => db.exec(index.sql)))();
      db.pragma("cache_size = -2000");
      db.pragma("synchronous = NORMAL");
    },
  };
}
