import { spawn } from "node:child_process";
import { once } from "node:events";
import { REPO_ROOT } from "../e2e/repoPaths.js";

/** A separate process that takes SQLite's write lock (BEGIN IMMEDIATE) and keeps it for `holdMs`. */
const HOLDER = `
const Database = require("better-sqlite3");
const db = new Database(process.argv[1], { fileMustExist: true, timeout: 10000 });
db.exec("BEGIN IMMEDIATE");
process.stdout.write("locked\\n");
setTimeout(() => { db.exec("COMMIT"); db.close(); process.exit(0); }, Number(process.argv[2]));
`;

/**
 * Another process holds a write lock on the SQLite file `path` for `holdMs` (as a backup tool or
 * an operator's sqlite3 shell would). Resolves once the lock is held; `released` resolves when the
 * holder has committed and exited.
 *
 * @example const lock = await holdWriteLock(join(dataDir, "projection.db"), 7_000); await lock.released;
 */
export async function holdWriteLock(path: string, holdMs: number): Promise<{ released: Promise<void> }> {
  const child = spawn(process.execPath, ["-e", HOLDER, path, String(holdMs)], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  const exited = once(child, "exit") as Promise<[number | null]>;
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => chunk.toString("utf8").includes("locked") && resolve());
    void exited.then(([code]) => reject(new Error(`the lock holder exited with ${code} before it held the lock: ${output}`)));
  });
  return {
    released: exited.then(([code]) => {
      if (code !== 0) throw new Error(`the lock holder exited with ${code}: ${output}`);
    }),
  };
}
