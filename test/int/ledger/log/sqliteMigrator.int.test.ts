import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { migrate, migrationsDir } from "../../../../ledger/log/sqliteMigrator.js";

describe("sqlite migrator", () => {
  let dir: string;
  let db: Database.Database;
  const write = (files: Record<string, string>) =>
    Promise.all(Object.entries(files).map(([name, sql]) => writeFile(join(dir, name), sql)));
  const tables = () =>
    (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map(
      (t) => t.name,
    );
  const refusal = (file: string, text: string) => ({
    error: expect.objectContaining({
      code: "INTEGRITY_VIOLATION",
      message: expect.stringMatching(new RegExp(`${file}.*${text}`)),
    }),
  });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "ipledger-migrations-"));
    db = new Database(join(dir, "test.db"));
    await write({ "0001_a.sql": "CREATE TABLE a (x INTEGER);", "0002_b.sql": "CREATE TABLE b (y TEXT);" });
  });
  afterEach(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("applies the files in numeric order and records each name and sha256", async () => {
    await write({ "0003_c.sql": "ALTER TABLE b ADD COLUMN z TEXT; CREATE TABLE c (w INTEGER);" });
    expect(migrate(db, dir)).toEqual({
      results: [
        { name: "0001_a.sql", status: "applied" },
        { name: "0002_b.sql", status: "applied" },
        { name: "0003_c.sql", status: "applied" },
      ],
    });
    expect(tables()).toEqual(["a", "b", "c", "schema_migrations"]);
    const row = db.prepare("SELECT sha256 FROM schema_migrations WHERE name = '0001_a.sql'").get();
    expect(row).toEqual({ sha256: createHash("sha256").update("CREATE TABLE a (x INTEGER);").digest("hex") });
  });

  it("is idempotent, and applies only a file added later", async () => {
    migrate(db, dir);
    expect(migrate(db, dir).results.map((r) => r.status)).toEqual(["already-applied", "already-applied"]);
    await write({ "0003_c.sql": "CREATE TABLE c (w INTEGER);" });
    expect(migrate(db, dir).results.map((r) => r.status)).toEqual(["already-applied", "already-applied", "applied"]);
  });

  it("refuses a gap in the numbering, before applying anything", async () => {
    await write({ "0004_d.sql": "CREATE TABLE d (v INTEGER);" });
    expect(migrate(db, dir)).toMatchObject({ ...refusal("0004_d.sql", "0003 is missing"), results: [] });
    expect(tables()).toEqual(["schema_migrations"]);
  });

  it("refuses two files with one number, and a badly named file", async () => {
    await write({ "0002_other.sql": "SELECT 1;" });
    expect(migrate(db, dir)).toMatchObject(refusal("0002_", "same number"));
    await unlink(join(dir, "0002_other.sql"));
    await write({ "2_late.sql": "SELECT 1;" });
    expect(migrate(db, dir)).toMatchObject(refusal("2_late.sql", "not named like"));
  });

  it("refuses an applied file whose content changed", async () => {
    migrate(db, dir);
    await write({ "0002_b.sql": "CREATE TABLE b (y TEXT, extra TEXT);" });
    expect(migrate(db, dir)).toMatchObject(refusal("0002_b.sql", "edited after it was applied"));
  });

  it("refuses an applied file that is now missing or renamed", async () => {
    migrate(db, dir);
    await unlink(join(dir, "0002_b.sql"));
    await write({ "0002_renamed.sql": "CREATE TABLE b (y TEXT);" });
    expect(migrate(db, dir)).toMatchObject(refusal("0002_b.sql", "missing from the folder"));
  });

  it("refuses a pending file that sorts before an applied one", async () => {
    await write({ "0003_c.sql": "CREATE TABLE c (w INTEGER);" });
    migrate(db, dir);
    db.prepare("DELETE FROM schema_migrations WHERE name = '0002_b.sql'").run();
    expect(migrate(db, dir)).toMatchObject(refusal("0002_b.sql", "sorts before 0003_c.sql"));
  });

  it("rolls back a failing file, keeps the earlier ones, and names the file", async () => {
    await write({ "0003_bad.sql": "CREATE TABLE c (w INTEGER); INSERT INTO nowhere VALUES (1);" });
    const { error, results } = migrate(db, dir);
    expect(error).toMatchObject({ code: "INTERNAL", message: expect.stringContaining("0003_bad.sql") });
    expect(results.map((r) => r.name)).toEqual(["0001_a.sql", "0002_b.sql"]);
    expect(tables()).toEqual(["a", "b", "schema_migrations"]);
  });

  it("finds the shipped log migrations next to the source", () => {
    expect(existsSync(join(migrationsDir("log"), "0001_event_log.sql"))).toBe(true);
    expect(migrationsDir("projection")).toMatch(/migrations[/\\]projection$/);
  });
});
