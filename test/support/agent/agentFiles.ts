import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh directory under the system temp dir; the caller removes it. */
export function freshDir(prefix = "ipledger-int-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export const ADMIN_TOKEN = "admin-token-0123456789abcdef";
export const AUDITOR_TOKEN = "auditor-token-0123456789abcdef";

/**
 * Writes a token file (`TOKEN ROLE SUBJECT` per line) with `mode`, 0600 by default: an admin
 * and an auditor token.
 *
 * @example const file = writeTokenFile(dir); // ADMIN_TOKEN admin, AUDITOR_TOKEN auditor
 */
export function writeTokenFile(dir: string, mode = 0o600): string {
  const path = join(dir, "tokens");
  writeFileSync(path, `# int test tokens\n${ADMIN_TOKEN} admin ops\n${AUDITOR_TOKEN} auditor audit\n`, { mode });
  chmodSync(path, mode); // the umask may have narrowed it
  return path;
}
