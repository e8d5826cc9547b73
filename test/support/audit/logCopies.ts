import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { generateKeyPairSync } from "node:crypto";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { LedgerEvent } from "../../../ledger/core/index.js";
import { eventHash } from "../../../ledger/log/hashChain.js";
import { LOG_FILE } from "../../../src/agent.js";

/**
 * Copies of an embedded log to tamper with: a consistent copy (VACUUM INTO, so the WAL is
 * included) in a data directory of its own, with the append-only triggers dropped so a test can
 * do what an attacker with file access could.
 *
 * @example const dir = copyLog(agent.dataDir, join(scratch, "edited")); tamper(dir, (db) => …);
 */
export function copyLog(fromDataDir: string, toDataDir: string): string {
  mkdirSync(toDataDir, { recursive: true });
  const source = new Database(join(fromDataDir, LOG_FILE), { readonly: true });
  try {
    source.exec(`VACUUM INTO '${join(toDataDir, LOG_FILE).replaceAll("'", "''")}'`);
  } finally {
    source.close();
  }
  return toDataDir;
}

/** Runs `change` on the copy's log with the append-only triggers gone. */
export function tamper(dataDir: string, change: (db: Database.Database) => void): void {
  const db = new Database(join(dataDir, LOG_FILE));
  try {
    db.exec("DROP TRIGGER IF EXISTS events_no_update; DROP TRIGGER IF EXISTS events_no_delete;");
    change(db);
  } finally {
    db.close();
  }
}

export function bodyAt(db: Database.Database, partition: number, offset: number): LedgerEvent {
  return JSON.parse(
    (
      db.prepare(`SELECT body FROM events WHERE "partition" = ? AND "offset" = ?`).get(partition, offset) as {
        body: string;
      }
    ).body,
  ) as LedgerEvent;
}

export function setBody(db: Database.Database, partition: number, offset: number, event: LedgerEvent): void {
  db.prepare(`UPDATE events SET body = ?, hash = ? WHERE "partition" = ? AND "offset" = ?`).run(
    JSON.stringify(event),
    event.hash ?? "",
    partition,
    offset,
  );
}

/**
 * The careful attacker: after editing, recompute every hash from `fromOffset` to the end so the
 * chain is whole again. Only the projections' recorded heads and signed checkpoints can tell.
 */
export function rechain(db: Database.Database, partition: number, fromOffset: number): void {
  const rows = db
    .prepare(`SELECT "offset" AS offset, body FROM events WHERE "partition" = ? AND "offset" >= ? ORDER BY "offset"`)
    .all(partition, fromOffset) as { offset: number; body: string }[];
  let prev = fromOffset === 0 ? "0".repeat(64) : (bodyAt(db, partition, fromOffset - 1).hash as string);
  for (const row of rows) {
    const event = JSON.parse(row.body) as LedgerEvent;
    const linked = { ...event, prev, hash: eventHash(prev, event) } as LedgerEvent;
    setBody(db, partition, row.offset, linked);
    prev = linked.hash as string;
  }
}

/** An ed25519 key pair written as PEM files: the private key mode 0600, as the agent requires. */
export function writeKeyPair(dir: string, name = "signing"): { privatePath: string; publicPath: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const privatePath = join(dir, `${name}.pem`);
  const publicPath = join(dir, `${name}.pub`);
  writeFileSync(privatePath, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  chmodSync(privatePath, 0o600);
  writeFileSync(publicPath, publicKey.export({ type: "spki", format: "pem" }));
  return { privatePath, publicPath };
}
