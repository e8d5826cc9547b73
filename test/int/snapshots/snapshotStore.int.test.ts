import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { evolve } from "../../../ledger/core/index.js";
import { openSqliteEventLog } from "../../../ledger/log/sqliteEventLog.js";
import { generateChurn } from "../../../src/generate/churnGenerator.js";
import { openSnapshotStore } from "../../../src/snapshots/snapshotStore.js";
import { requireBuilt, REPO_ROOT } from "../../support/builtDist.js";
import { foldLog, stateText } from "../../support/snapshots/foldLog.js";

/** Snapshot files on a real disk, checked against a real SQLite log written by the generator. */
describe("snapshot files", () => {
  let root: string;
  let logPath: string;
  let otherLogPath: string;
  let full: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "ipledger-snapshots-"));
    logPath = join(root, "ledger.db");
    otherLogPath = join(root, "other.db");
    for (const [path, seed] of [
      [logPath, 3],
      [otherLogPath, 4],
    ] as const) {
      const log = openSqliteEventLog({ path });
      await generateChurn(log, { events: 6_000, pools: 3, seed });
      await log.close();
    }
    const log = openSqliteEventLog({ path: logPath });
    full = stateText((await foldLog(log)).state);
    await log.close();
  }, 120_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const freshDir = (): string => mkdtempSync(join(root, "store-"));

  /** Folds the tail after `state` and returns the result as text. */
  async function foldTail(path: string, loaded: { state: Parameters<typeof evolve>[0] }): Promise<string> {
    const log = openSqliteEventLog({ path });
    try {
      for (const [partition, end] of await log.endOffsets()) {
        for (const logged of await log.read(partition, loaded.state.applied.get(partition) ?? 0, end))
          evolve(loaded.state, logged);
      }
      return stateText(loaded.state);
    } finally {
      await log.close();
    }
  }

  it("given a snapshot at the middle of the log, when loaded and the tail folded, then the state equals a full fold; the file is 0600", async () => {
    const store = openSnapshotStore(freshDir());
    const log = openSqliteEventLog({ path: logPath });
    try {
      const middle = await foldLog(log, (end) => Math.floor(end / 2));
      const { path } = store.write(middle.state, middle.heads);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const warnings: string[] = [];
      const loaded = await store.loadNewest(log, (message) => warnings.push(message));
      expect(warnings).toEqual([]);
      expect(loaded?.path).toBe(path);
      expect(await foldTail(logPath, loaded!)).toBe(full);
    } finally {
      await log.close();
    }
  });

  it("given a damaged newest snapshot, then it is discarded with a warning and the older one is used", async () => {
    const store = openSnapshotStore(freshDir());
    const log = openSqliteEventLog({ path: logPath });
    try {
      const early = await foldLog(log, (end) => Math.floor(end / 4));
      const late = await foldLog(log, (end) => Math.floor(end / 2));
      const older = store.write(early.state, early.heads).path;
      const newer = store.write(late.state, late.heads).path;
      const bytes = readFileSync(newer);
      const at = Math.floor(bytes.length / 2);
      bytes[at] = (bytes[at] as number) ^ 0x01; // one bit flipped on disk
      writeFileSync(newer, bytes);
      const warnings: string[] = [];
      const loaded = await store.loadNewest(log, (message) => warnings.push(message));
      expect(loaded?.path).toBe(older);
      expect(warnings.join("\n")).toMatch(/discarded: checksum mismatch/);
      expect(readdirSync(store.dir)).toContain(`${newer.split("/").pop()}.discarded`);
      expect(await foldTail(logPath, loaded!)).toBe(full);
    } finally {
      await log.close();
    }
  });

  it("given a cut-short snapshot, a snapshot of another schema version, or one of another log, then each is discarded and the agent folds from the start", async () => {
    const log = openSqliteEventLog({ path: logPath });
    const other = openSqliteEventLog({ path: otherLogPath });
    try {
      const middle = await foldLog(log, (end) => Math.floor(end / 2));
      // Cut short: a crash after the rename cannot produce it, a copied or truncated file can.
      const torn = openSnapshotStore(freshDir());
      const tornPath = torn.write(middle.state, middle.heads).path;
      writeFileSync(tornPath, readFileSync(tornPath).subarray(0, 2_000));
      const warnings: string[] = [];
      expect(await torn.loadNewest(log, (message) => warnings.push(message))).toBeUndefined();
      expect(warnings.join("\n")).toMatch(/no trailer/);

      // Another schema version with a valid checksum: refused, not guessed at.
      const versioned = openSnapshotStore(freshDir());
      const versionedPath = versioned.write(middle.state, middle.heads).path;
      const lines = readFileSync(versionedPath, "utf8").trimEnd().split("\n").slice(0, -1);
      lines[0] = lines[0]!.replace('"version":1', '"version":2');
      const body = lines.map((line) => `${line}\n`).join("");
      writeFileSync(
        versionedPath,
        `${body}${JSON.stringify({ k: "end", records: lines.length, sha256: createHash("sha256").update(body).digest("hex") })}\n`,
      );
      warnings.length = 0;
      expect(await versioned.loadNewest(log, (message) => warnings.push(message))).toBeUndefined();
      expect(warnings.join("\n")).toMatch(/version 2 is not 1/);

      // A snapshot of this log checked against another log: the chain heads differ.
      const store = openSnapshotStore(freshDir());
      store.write(middle.state, middle.heads);
      warnings.length = 0;
      expect(await store.loadNewest(other, (message) => warnings.push(message))).toBeUndefined();
      expect(warnings.join("\n")).toMatch(/chain head at partition \d+ offset \d+ is not the log's|the log ends at/);
    } finally {
      await log.close();
      await other.close();
    }
  });

  it("given a process killed with SIGKILL while writing snapshots, then what it left loads and equals the fold it captured, or there is none", async () => {
    const worker = requireBuilt("dist/test/support/snapshots/snapshotWriterWorker.js");
    const log = openSqliteEventLog({ path: logPath });
    const expected = stateText((await foldLog(log, (end) => Math.floor(end / 2))).state);
    let survived = 0;
    try {
      for (const delayMs of [5, 40, 150, 400, 800]) {
        const dir = freshDir();
        const child = spawn(process.execPath, [worker, logPath, dir], {
          cwd: REPO_ROOT,
          stdio: ["ignore", "pipe", "pipe"],
        });
        let stderr = "";
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
        const exited = once(child, "exit");
        await once(child.stdout, "data"); // it has folded and is writing
        await sleep(delayMs);
        child.kill("SIGKILL");
        const [, signal] = (await exited) as [number | null, string | null];
        expect({ signal, stderr }).toEqual({ signal: "SIGKILL", stderr: "" });
        const warnings: string[] = [];
        const loaded = await openSnapshotStore(dir).loadNewest(log, (message) => warnings.push(message));
        expect(warnings).toEqual([]); // a temp file is never taken for a snapshot
        if (loaded) expect(stateText(loaded.state)).toBe(expected);
        survived += loaded ? 1 : 0;
        expect(readdirSync(dir).filter((name) => name.includes(".tmp-"))).toEqual([]); // leftovers of the killed write are swept
      }
      expect(survived, "the later kills came after at least one complete snapshot").toBeGreaterThan(0);
    } finally {
      await log.close();
    }
  }, 120_000);
});
