import { closeSync, fsyncSync, openSync } from "node:fs";

/** Flushes a file's bytes to the disk, so a rename after it never exposes a half-written file after a power loss. */
export function fsyncFile(path: string): void {
  const fd = openSync(path, "r+");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Flushes a directory's entries (a rename into it, a removal) to the disk. */
export function fsyncDirectory(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
