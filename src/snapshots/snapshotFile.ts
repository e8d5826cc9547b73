import { createHash } from "node:crypto";
import { closeSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { fsyncDirectory } from "../durableFiles.js";
import { restoreState, snapshotRecords, type LedgerState, type SnapshotRecord } from "../../ledger/core/index.js";

/**
 * A snapshot file: one JSON record per line (`snapshotRecords`), then a trailer line
 * `{"k":"end","records":N,"sha256":…}` over every byte before it. Written to a temp file,
 * fsynced, renamed over, and the folder fsynced, mode 0600: a crash leaves the old snapshot or
 * the new one, never half of one; a torn or edited file fails its checksum and is refused.
 */
const FLUSH_BYTES = 1 << 20;

/** Writes `state` (synchronously: the fold cannot move while it is captured). */
export function writeSnapshotFile(
  path: string,
  state: LedgerState,
  heads: ReadonlyMap<number, string>,
): { records: number; bytes: number } {
  const temp = `${path}.tmp-${process.pid}`;
  const fd = openSync(temp, "w", 0o600);
  const hash = createHash("sha256");
  let buffer = "";
  let records = 0;
  let bytes = 0;
  let trailer = Buffer.alloc(0);
  const flush = (): void => {
    const chunk = Buffer.from(buffer);
    hash.update(chunk);
    writeSync(fd, chunk);
    bytes += chunk.length;
    buffer = "";
  };
  try {
    for (const record of snapshotRecords(state, heads)) {
      buffer += `${JSON.stringify(record)}\n`;
      records += 1;
      if (buffer.length >= FLUSH_BYTES) flush();
    }
    flush();
    trailer = Buffer.from(`${JSON.stringify({ k: "end", records, sha256: hash.digest("hex") })}\n`);
    writeSync(fd, trailer);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(temp, path);
  fsyncDirectory(dirname(path));
  return { records, bytes: bytes + trailer.length };
}

/** The lines of a file, read in 1 MiB chunks (a million holdings never sit in one string). */
function* linesOf(path: string): Generator<string> {
  const fd = openSync(path, "r");
  const decoder = new StringDecoder("utf8");
  const chunk = Buffer.alloc(FLUSH_BYTES);
  let rest = "";
  try {
    for (;;) {
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      const lines = (rest + decoder.write(chunk.subarray(0, read))).split("\n");
      rest = lines.pop() ?? "";
      yield* lines;
    }
    rest += decoder.end();
    if (rest !== "") yield rest; // a last line without newline: torn, the checksum will say so
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads and restores a snapshot file. Throws (with the reason) when it is torn, edited, of
 * another schema version or otherwise unreadable; the caller discards it.
 */
export function readSnapshotFile(path: string): { state: LedgerState; heads: Map<number, string>; records: number } {
  const hash = createHash("sha256");
  let trailer: { k?: string; records?: number; sha256?: string } | undefined;
  let count = 0;
  for (const line of linesOf(path)) {
    if (trailer) throw new Error("data after the trailer");
    if (line.startsWith('{"k":"end"')) {
      trailer = JSON.parse(line) as typeof trailer;
      continue;
    }
    hash.update(`${line}\n`);
    count += 1;
  }
  if (!trailer) throw new Error("no trailer: the file was cut short");
  if (trailer.records !== count || trailer.sha256 !== hash.digest("hex"))
    throw new Error("checksum mismatch: the file was damaged or edited");
  function* parsed(): Generator<SnapshotRecord> {
    for (const line of linesOf(path)) if (!line.startsWith('{"k":"end"')) yield JSON.parse(line) as SnapshotRecord;
  }
  return { ...restoreState(parsed()), records: count };
}
