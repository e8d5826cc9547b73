import { execFileSync } from "node:child_process";

/**
 * A tmpfs of `sizeMiB` on `dir` (the fault suite runs as root, as CI does): a data directory
 * that can fill up or turn read-only without touching the machine's disks.
 */
export function mountTmpfs(dir: string, sizeMiB: number): void {
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeMiB}m,mode=0700`, "tmpfs", dir]);
}

/**
 * Remounts the tmpfs on `dir` read-only or read-write. Linux refuses a read-only remount while a
 * file on it is open for writing (EBUSY), so the agent must be stopped first: the scenario is a
 * node whose disk comes back read-only after a crash.
 */
export function remount(dir: string, mode: "ro" | "rw"): void {
  execFileSync("mount", ["-o", `remount,${mode}`, dir]);
}

/** Unmounts `dir`, lazily so a straggling process cannot make clean-up fail. Idempotent. */
export function unmount(dir: string): void {
  try {
    execFileSync("umount", ["-l", dir], { stdio: "ignore" });
  } catch {
    // not mounted
  }
}

/** Whether this process may mount (root); the suite fails loudly without it rather than skip. */
export function canMount(): boolean {
  return process.getuid?.() === 0;
}
