import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";

/**
 * The baseline the ledger is compared with: a bare better-sqlite3 insert loop, one row per
 * transaction, WAL with synchronous=FULL (the same durability the embedded log uses).
 */
export function bareSqliteInsertsPerSecond(count: number): number {
  const dir = mkdtempSync(join(tmpdir(), "ipledger-bench-sqlite-"));
  const db = new Database(join(dir, "bare.db"));
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.exec("CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
    const insert = db.prepare("INSERT INTO rows (body) VALUES (?)");
    const body = JSON.stringify({ ip: "10.128.0.1", owner: { containerId: "bench", ifName: "net1" } });
    const started = process.hrtime.bigint();
    for (let index = 0; index < count; index += 1) insert.run(body);
    return count / (Number(process.hrtime.bigint() - started) / 1e9);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Milliseconds for one `node <args>` process, start to exit. */
export function processMilliseconds(args: readonly string[], env: NodeJS.ProcessEnv = process.env, input = ""): number {
  const started = process.hrtime.bigint();
  spawnSync(process.execPath, args, { env, input, stdio: ["pipe", "ignore", "ignore"] });
  return Number(process.hrtime.bigint() - started) / 1e6;
}
