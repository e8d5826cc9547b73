import Database from "better-sqlite3";

const seconds = (started: bigint): number => Number(process.hrtime.bigint() - started) / 1e9;

/**
 * The replay's baseline: the rows a replay left in `replayedPath` (every table, every column),
 * read into memory first, then inserted by bare better-sqlite3 into an empty file of the same
 * schema, with the same indexes built at the end and the same settings a replay loads with (no
 * journal, no fsync, 20k rows a transaction, prepared statements). What it leaves out is
 * exactly what a replay adds: reading the log, parsing it and folding it.
 */
export function bareBulkInsertSeconds(replayedPath: string, barePath: string): { seconds: number; rows: number } {
  const source = new Database(replayedPath, { readonly: true });
  const schema = source.prepare("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL").all() as {
    type: string;
    name: string;
    sql: string;
  }[];
  const tables = schema.filter((entry) => entry.type === "table" && !entry.name.startsWith("sqlite_"));
  const contents = tables.map((table) => ({
    name: table.name,
    rows: source.prepare(`SELECT * FROM "${table.name}"`).raw().all() as unknown[][],
  }));
  source.close();
  const db = new Database(barePath);
  try {
    db.pragma("journal_mode = OFF");
    db.pragma("synchronous = OFF");
    db.pragma("cache_size = -65536");
    for (const table of tables) db.exec(table.sql);
    let rows = 0;
    const started = process.hrtime.bigint();
    for (const { name, rows: tableRows } of contents) {
      if (tableRows.length === 0) continue;
      const insert = db.prepare(`INSERT INTO "${name}" VALUES (${tableRows[0]?.map(() => "?").join(", ")})`);
      const chunk = db.transaction((slice: unknown[][]) => slice.forEach((row) => insert.run(...row)));
      for (let index = 0; index < tableRows.length; index += 20_000) chunk(tableRows.slice(index, index + 20_000));
      rows += tableRows.length;
    }
    db.transaction(() => schema.filter((entry) => entry.type === "index").forEach((index) => db.exec(index.sql)))();
    return { seconds: seconds(started), rows };
  } finally {
    db.close();
  }
}
