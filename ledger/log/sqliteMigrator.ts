import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type BetterSqlite3 from "better-sqlite3";
import { LedgerError } from "../core/errors.js";

export interface MigrationResult {
  readonly name: string;
  readonly status: "applied" | "already-applied";
}

interface MigrationFile {
  readonly name: string;
  readonly number: number;
  readonly sql: string;
  readonly sha256: string;
}

const FILE_NAME = /^(\d{4})_[A-Za-z0-9_-]+\.sql$/;

/**
 * The folder of one database's migrations. Both the source (`ledger/log/*.ts`) and the build
 * (`dist/ledger/log/*.js`, next to `dist/migrations` copied by `scripts/postbuild.mjs`) sit two
 * levels below the folder holding `migrations/`, so one relative path serves both.
 *
 * @example migrate(db, migrationsDir("log"));
 */
export function migrationsDir(kind: "log" | "projection"): string {
  return fileURLToPath(new URL(`../../migrations/${kind}`, import.meta.url));
}

/**
 * Brings `db` up to date with the numbered SQL files in `dir` (`0001_name.sql`, `0002_…`),
 * forward only. Each file runs in its own `BEGIN IMMEDIATE` transaction together with its row in
 * `schema_migrations` (name, sha256), so a crash never leaves a half-applied file, and two
 * processes opening the same database at once apply each file once. Files must not contain
 * their own BEGIN/COMMIT or PRAGMAs that cannot run in a transaction.
 *
 * Before anything runs it refuses, with an error naming the file: a gap in the numbering, two
 * files with one number, a badly named `.sql` file, an applied file now missing or renamed, a
 * pending file that sorts before an applied one, and an applied file whose content changed.
 *
 * @example
 *   const { error, results } = migrate(db, migrationsDir("projection"));
 *   if (error) throw error;
 */
export function migrate(db: BetterSqlite3.Database, dir: string): { error?: LedgerError; results: MigrationResult[] } {
  const results: MigrationResult[] = [];
  try {
    db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, sha256 TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT",
    );
    const files = readMigrationFiles(dir);
    const applied = db.prepare("SELECT name, sha256 FROM schema_migrations ORDER BY name").all() as AppliedRow[];
    checkHistory(files, applied, dir);
    for (const file of files) results.push({ name: file.name, status: applyOne(db, file, dir) });
    return { results };
  } catch (error) {
    if (error instanceof LedgerError) return { error, results };
    const message = `migrating ${dir} failed: ${(error as Error).message}; check that the database file is writable`;
    return { error: new LedgerError("INTERNAL", message, { cause: error }), results };
  }
}

interface AppliedRow {
  readonly name: string;
  readonly sha256: string;
}

function readMigrationFiles(dir: string): MigrationFile[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith(".sql"));
  } catch (error) {
    throw new LedgerError("INTERNAL", `cannot read the migrations folder ${dir}; is the install complete?`, {
      cause: error,
    });
  }
  const files = names.map((name) => {
    const match = FILE_NAME.exec(name);
    if (!match) throw refusal(dir, name, "is not named like 0001_description.sql");
    const sql = readFileSync(join(dir, name), "utf8");
    const sha256 = createHash("sha256").update(sql).digest("hex");
    return { name, number: Number(match[1]), sql, sha256 };
  });
  files.sort((a, b) => a.number - b.number);
  for (const [index, file] of files.entries()) {
    if (file.number === files[index - 1]?.number) throw refusal(dir, file.name, "has the same number as another file");
    if (file.number !== index + 1) throw refusal(dir, file.name, `is out of sequence: ${pad(index + 1)} is missing`);
  }
  return files;
}

// The applied rows must be exactly the first files, unchanged: anything else means the files
// on disk are not the history this database went through.
function checkHistory(files: readonly MigrationFile[], applied: readonly AppliedRow[], dir: string): void {
  for (const [index, row] of applied.entries()) {
    const file = files[index];
    if (!files.some((candidate) => candidate.name === row.name)) {
      const hint = "renamed, deleted, or an older ipledger than the one that migrated this database";
      throw refusal(dir, row.name, `was applied to this database but is missing from the folder (${hint})`);
    }
    if (file !== undefined && file.name !== row.name) {
      throw refusal(dir, file.name, `is not applied but sorts before ${row.name}, which is`);
    }
    if (file !== undefined && file.sha256 !== row.sha256) {
      throw refusal(
        dir,
        file.name,
        "was edited after it was applied; add a new migration instead of changing this one",
      );
    }
  }
}

function applyOne(db: BetterSqlite3.Database, file: MigrationFile, dir: string): MigrationResult["status"] {
  const run = db.transaction((): MigrationResult["status"] => {
    // Re-read inside the write lock: another process may have applied it since checkHistory.
    const row = db.prepare("SELECT sha256 FROM schema_migrations WHERE name = ?").get(file.name) as
      AppliedRow | undefined;
    if (row) {
      if (row.sha256 !== file.sha256)
        throw refusal(dir, file.name, "was applied by another process with different content");
      return "already-applied";
    }
    try {
      db.exec(file.sql);
    } catch (error) {
      const message = `migration ${join(dir, file.name)} failed and was rolled back: ${(error as Error).message}`;
      throw new LedgerError("INTERNAL", message, { cause: error, details: { file: file.name } });
    }
    db.prepare("INSERT INTO schema_migrations (name, sha256, applied_at) VALUES (?, ?, ?)").run(
      file.name,
      file.sha256,
      new Date().toISOString(),
    );
    return "applied";
  });
  return run.immediate();
}

function refusal(dir: string, name: string, problem: string): LedgerError {
  return new LedgerError("INTEGRITY_VIOLATION", `migration ${join(dir, name)} ${problem}`, { details: { file: name } });
}

function pad(number: number): string {
  return String(number).padStart(4, "0");
}
