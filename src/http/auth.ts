import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { LedgerError } from "../../ledger/core/index.js";

export type Role = "admin" | "auditor";

/** Who may call: `none` for the root-only unix socket, bearer tokens for TCP. */
export type AuthPolicy =
  | { readonly kind: "socket" }
  | { readonly kind: "tokens"; readonly tokens: readonly { digest: Buffer; role: Role; subject: string }[] };

const digest = (token: string): Buffer => createHash("sha256").update(token).digest();

/**
 * Reads a token file: one token per line as `TOKEN [ROLE] [SUBJECT]`, ROLE `admin` (default) or
 * `auditor`; `#` starts a comment. Only digests are kept in memory, and tokens never reach a log.
 * The file must not be readable by group or others.
 */
export function loadTokenFile(path: string): AuthPolicy {
  let text: string;
  try {
    const mode = statSync(path).mode & 0o077;
    if (mode !== 0)
      throw new LedgerError("INVALID_CONFIG", `token file ${path} is readable by group or others; chmod 600 it`, {
        key: "--token-file",
      });
    text = readFileSync(path, "utf8");
  } catch (error) {
    if (error instanceof LedgerError) throw error;
    throw new LedgerError("INVALID_CONFIG", `cannot read token file ${path}: ${(error as Error).message}`, {
      key: "--token-file",
    });
  }
  const tokens = text
    .split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter((line) => line !== "")
    .map((line, index) => {
      const [token = "", role = "admin", subject = `token-${index + 1}`] = line.split(/\s+/);
      if (role !== "admin" && role !== "auditor")
        throw new LedgerError("INVALID_CONFIG", `token file ${path} line ${index + 1}: role must be admin or auditor`, {
          key: "--token-file",
        });
      if (token.length < 16)
        throw new LedgerError(
          "INVALID_CONFIG",
          `token file ${path} line ${index + 1}: tokens must be at least 16 characters`,
          { key: "--token-file" },
        );
      return { digest: digest(token), role: role as Role, subject };
    });
  if (tokens.length === 0)
    throw new LedgerError("INVALID_CONFIG", `token file ${path} holds no token; a TCP listener needs one`, {
      key: "--token-file",
    });
  return { kind: "tokens", tokens };
}

/** The caller's role, or an UNAUTHORIZED error. The socket's callers are root: admin. */
export function authenticate(policy: AuthPolicy, header: string | undefined): { role: Role; subject: string } {
  if (policy.kind === "socket") return { role: "admin", subject: "unix-socket" };
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  if (!match) throw new LedgerError("UNAUTHORIZED", "this listener needs Authorization: Bearer <token>");
  const presented = digest(match[1] as string);
  const found = policy.tokens.find((entry) => timingSafeEqual(entry.digest, presented));
  if (!found) throw new LedgerError("UNAUTHORIZED", "the bearer token is not valid for this agent");
  return { role: found.role, subject: found.subject };
}
