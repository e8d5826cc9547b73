import { closeSync, openSync, readSync, statSync, truncateSync, writeSync } from "node:fs";

/** Cuts the file to half its size, as a copy interrupted halfway would leave it. Returns what was done. */
export function truncateHalf(path: string): string {
  const size = statSync(path).size;
  truncateSync(path, Math.floor(size / 2));
  return `truncated ${size} → ${Math.floor(size / 2)} bytes`;
}

/**
 * Inverts `count` bytes in the middle of the file (at a seeded position in its middle third), as
 * a bad sector or a bit rot would.
 */
export function flipMiddle(path: string, random: () => number, count = 64): string {
  const size = statSync(path).size;
  const at = Math.floor(size / 3 + random() * (size / 3 - count));
  const fd = openSync(path, "r+");
  try {
    const bytes = Buffer.alloc(count);
    readSync(fd, bytes, 0, count, at);
    for (let index = 0; index < count; index += 1) bytes[index] = (bytes[index] as number) ^ 0xff;
    writeSync(fd, bytes, 0, count, at);
  } finally {
    closeSync(fd);
  }
  return `inverted ${count} bytes at offset ${at} of ${size}`;
}
