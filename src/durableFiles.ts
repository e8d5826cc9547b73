import { closeSync, fsyncSync, openSync } from "node:fs";

/** Flushes a file's bytes to the disk, so a rename after it never exposes a half-written file after a power loss. */
export function fsyncFile(path: string): void {
  fsyncOpened(path, "r+");
}

/** Flushes a directory's entries (a rename into it, a removal) to the disk. */
export function fsyncDirectory(path: string): void {
  fsyncOpened(path, "r");
}

function fsyncOpened(path: string, flags: "r" | "r+"): void {
  const fd = openSync(path, flags);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
