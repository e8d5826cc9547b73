import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { LedgerError } from "../../ledger/core/index.js";
import { requireEd25519 } from "./signedCheckpoints.js";

function readKeyFile(path: string, option: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new LedgerError(
      "INVALID_CONFIG",
      `${option} ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); check the path and its permissions`,
      { key: option },
    );
  }
}

/**
 * The agent's signing key: an ed25519 private key in PEM (PKCS#8), e.g. from
 * `openssl genpkey -algorithm ed25519 -out signing.pem`. Like the token file, it must not be
 * readable by group or others.
 *
 * @example const key = loadSigningKey("/etc/ipledger/signing.pem");
 */
export function loadSigningKey(path: string, option = "--signing-key"): KeyObject {
  let mode: number;
  try {
    mode = statSync(path).mode & 0o077;
  } catch (error) {
    throw new LedgerError(
      "INVALID_CONFIG",
      `${option} ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); check the path`,
      { key: option },
    );
  }
  if (mode !== 0)
    throw new LedgerError("INVALID_CONFIG", `${option} ${path} is readable by group or others; chmod 600 it`, {
      key: option,
    });
  try {
    return requireEd25519(createPrivateKey(readKeyFile(path, option)), `${option} ${path}`);
  } catch (error) {
    if (error instanceof LedgerError) throw error;
    throw new LedgerError(
      "INVALID_CONFIG",
      `${option} ${path} is not a PEM private key (${(error as Error).message}); make one with openssl genpkey -algorithm ed25519 -out ${path}`,
      { key: option },
    );
  }
}

/**
 * A verifier's key: an ed25519 public key in PEM (SPKI), e.g. from
 * `openssl pkey -in signing.pem -pubout -out signing.pub`.
 *
 * @example const key = loadPublicKey("signing.pub");
 */
export function loadPublicKey(path: string, option = "--public-key"): KeyObject {
  const text = readKeyFile(path, option);
  try {
    return requireEd25519(createPublicKey(text), `${option} ${path}`);
  } catch (error) {
    if (error instanceof LedgerError) throw error;
    throw new LedgerError(
      "INVALID_CONFIG",
      `${option} ${path} is not a PEM public key (${(error as Error).message}); export it with openssl pkey -in signing.pem -pubout`,
      { key: option },
    );
  }
}
