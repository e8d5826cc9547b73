import { spawn } from "node:child_process";
import { once } from "node:events";
import { REPO_ROOT } from "../builtDist.js";

/** Another process holding a SQLite write lock; `released` resolves when it let go and exited. */
export interface LockHolder {
  readonly pid: number;
  readonly released: Promise<void>;
}

// The child is plain JavaScript run with `node -e`: it needs nothing built, only better-sqlite3.
const HOLDER = `
import Database from "better-sqlite3";
const [path, ms] = process.argv.slice(1);
const db = new Database(path);
db.exec("BEGIN IMMEDIATE");
process.stdout.write("locked\\n");
setTimeout(() => { db.exec("COMMIT"); db.close(); }, Number(ms));
`;

/**
 * Takes the write lock of the SQLite file `path` in a separate process (BEGIN IMMEDIATE, as a
 * backup tool or a stuck operator shell would) and holds it for `holdMs`. Resolves once held.
 *
 * @example const holder = await holdWriteLock("projection.db", 7000); await holder.released;
 */
export async function holdWriteLock(path: string, holdMs: number): Promise<LockHolder> {
  const child = spawn(process.execPath, ["--input-type=module", "-e", HOLDER, path, String(holdMs)], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = once(child, "exit") as Promise<[number | null]>;
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => chunk.toString("utf8").includes("locked") && resolve());
    void exited.then(([code]) =>
      reject(new Error(`the lock holder exited with ${code} before locking ${path}: ${stderr}`)),
    );
  });
  const released = exited.then(([code]) => {
    if (code !== 0) throw new Error(`the lock holder on ${path} exited with ${code}: ${stderr}`);
  });
  return { pid: child.pid ?? 0, released };
}
