import { constants } from "node:fs";
import { open, realpath } from "node:fs/promises";
import { dirname, isAbsolute, resolve, sep } from "node:path";
import { LedgerError } from "../../ledger/core/index.js";

/** Whereabouts' flat-file directories, then ipledger's own: the allow-list when none is given. */
export const DEFAULT_FLAT_FILE_DIRS = [
  "/etc/kubernetes/cni/net.d/whereabouts.d",
  "/etc/cni/net.d/whereabouts.d",
  "/host/etc/cni/net.d/whereabouts.d",
  "/etc/cni/net.d/ipledger.d",
];

/** The flat files looked for when `configuration_path` names none, in Whereabouts' order. */
export const FLAT_FILE_LOCATIONS = [
  "/etc/kubernetes/cni/net.d/whereabouts.d/whereabouts.conf",
  "/etc/cni/net.d/whereabouts.d/whereabouts.conf",
  "/host/etc/cni/net.d/whereabouts.d/whereabouts.conf",
  "/etc/cni/net.d/ipledger.d/ipledger.conf",
];

/** A flat file holds a handful of IPAM keys; anything bigger is not one. */
export const FLAT_FILE_MAX_BYTES = 64 * 1024;

export interface FlatFileOptions {
  /** Directories flat files may be read from (their subdirectories too); the defaults plus `--flat-file-dir`. */
  readonly dirs: readonly string[];
  /** Files looked for, in order, when `configuration_path` names no file. */
  readonly locations?: readonly string[];
  readonly maxBytes?: number;
}

export const DEFAULT_FLAT_FILE_OPTIONS: FlatFileOptions = { dirs: DEFAULT_FLAT_FILE_DIRS };

const KEY = "ipam.configuration_path";

/**
 * One answer for a file that is missing, forbidden, outside the allowed directories, not a
 * regular file or too big: the reply must not tell a NAD author what exists on the node.
 */
function unusable(path: string, options: FlatFileOptions): LedgerError {
  const limit = options.maxBytes ?? FLAT_FILE_MAX_BYTES;
  return new LedgerError(
    "INVALID_CONFIG",
    `flat file ${JSON.stringify(path.slice(0, 256))} cannot be used: a flat file must be a readable regular file of at most ${limit} bytes in ${options.dirs.join(", ")} (the agent's --flat-file-dir adds directories); fix configuration_path or move the file`,
    { key: KEY },
  );
}

const within = (path: string, dir: string): boolean =>
  path === dir || path.startsWith(dir.endsWith(sep) ? dir : `${dir}${sep}`);

async function realDirs(dirs: readonly string[]): Promise<string[]> {
  const resolved = await Promise.all(dirs.map((dir) => realpath(resolve(dir)).catch(() => resolve(dir))));
  return [...new Set(resolved)];
}

type Read = { kind: "missing" } | { kind: "directory" } | { kind: "text"; text: string };

/**
 * Reads one candidate without ever blocking or following a link out of the allowed directories:
 * the lexical path must lie in one, then its real path too; the file is opened non-blocking and
 * without following a final link, and fstat must show a regular file within the size cap.
 */
async function readCandidate(path: string, options: FlatFileOptions, allowed: readonly string[]): Promise<Read> {
  const lexical = resolve(path);
  const listed =
    options.dirs.some((dir) => within(lexical, resolve(dir))) || allowed.some((dir) => within(lexical, dir));
  // Nothing outside the allowed directories is even looked at, so its existence cannot leak.
  if (!isAbsolute(path) || !listed) return { kind: "missing" };
  let real: string;
  try {
    real = await realpath(lexical);
  } catch {
    return { kind: "missing" };
  }
  if (!allowed.some((dir) => within(real, dir))) return { kind: "missing" };
  const handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW).catch(
    () => undefined,
  );
  if (!handle) return { kind: "missing" };
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) return { kind: "directory" };
    const limit = options.maxBytes ?? FLAT_FILE_MAX_BYTES;
    if (!stat.isFile() || stat.size > limit) throw unusable(path, options);
    const buffer = Buffer.alloc(limit + 1);
    const { bytesRead } = await handle.read(buffer, 0, limit + 1, 0);
    if (bytesRead > limit) throw unusable(path, options);
    return { kind: "text", text: buffer.subarray(0, bytesRead).toString("utf8") };
  } finally {
    await handle.close();
  }
}

/** The flat file's object: the first candidate that exists. An explicit path that cannot be read is an error. */
async function loadFlat(
  ipam: Record<string, unknown>,
  options: FlatFileOptions,
): Promise<{ path: string; text: string } | undefined> {
  const allowed = await realDirs(options.dirs);
  const explicit =
    typeof ipam.configuration_path === "string" && ipam.configuration_path !== "" ? ipam.configuration_path : undefined;
  if (explicit !== undefined) {
    const read = await readCandidate(explicit, options, allowed);
    if (read.kind === "text") return { path: explicit, text: read.text };
    // The installer points configuration_path at its directory: the defaults below apply.
    if (read.kind === "missing") throw unusable(explicit, options);
  }
  for (const candidate of options.locations ?? FLAT_FILE_LOCATIONS) {
    const read = await readCandidate(candidate, { ...options, dirs: [...options.dirs, dirname(candidate)] }, [
      ...allowed,
      dirname(candidate),
    ]);
    if (read.kind === "text") return { path: candidate, text: read.text };
  }
  return undefined;
}

// Unlike Whereabouts' zero-value merge, an inline `false` or `0` is a choice and is kept.
function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0);
}

/**
 * Fills every empty inline key from the flat file, as Whereabouts' merge does (inline values
 * win); `enable_overlapping_ranges` is always taken from the inline config. None is required
 * (Whereabouts requires one since v0.6.2, which only turns a missing file into a failed pod).
 * Errors name the file but never quote it: pod events show them to whoever wrote the NAD.
 */
export async function mergeFlatFile(
  ipam: Record<string, unknown>,
  options: FlatFileOptions = DEFAULT_FLAT_FILE_OPTIONS,
): Promise<Record<string, unknown>> {
  const loaded = await loadFlat(ipam, options);
  if (loaded === undefined) return ipam;
  let flat: unknown;
  try {
    flat = JSON.parse(loaded.text);
  } catch {
    throw new LedgerError("INVALID_CONFIG", `flat file ${loaded.path} is not valid JSON; fix or remove it`, {
      key: KEY,
    });
  }
  if (typeof flat !== "object" || flat === null || Array.isArray(flat)) {
    throw new LedgerError("INVALID_CONFIG", `flat file ${loaded.path} must hold a JSON object with IPAM keys`, {
      key: KEY,
    });
  }
  const merged: Record<string, unknown> = { ...ipam };
  for (const [key, value] of Object.entries(flat)) {
    if (key === "enable_overlapping_ranges") continue;
    if (isEmpty(merged[key])) merged[key] = value;
  }
  return merged;
}
