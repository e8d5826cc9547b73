import { open } from "node:fs/promises";
import { LedgerError } from "../../ledger/core/index.js";

/** The flags of `ipledger reserve` that define a pool no pod has used yet. */
export interface PoolFlags {
  readonly range?: string;
  readonly rangeStart?: string;
  readonly rangeEnd?: string;
  readonly exclude?: readonly string[];
  readonly gateway?: string;
  readonly networkName?: string;
  readonly nad?: string;
}

/** A NetworkAttachmentDefinition is a few hundred bytes; anything this large is not one. */
const NAD_MAX_BYTES = 1024 * 1024;

const invalid = (message: string, key: string) => new LedgerError("INVALID_CONFIG", message, { key });

/**
 * The `ipam` object the flags describe, sent as the reserve request's `ipam`: `--range …` builds
 * it, `--nad FILE` reads it from a NetworkAttachmentDefinition (YAML or JSON). Undefined when
 * neither is given. The agent checks it exactly as it checks an ADD's config.
 *
 * @example await ipamOfFlags({ range: "10.20.0.0/24", exclude: ["10.20.0.0/28"] }) // { type: "ipledger", range: …, exclude: […] }
 */
export async function ipamOfFlags(flags: PoolFlags): Promise<Record<string, unknown> | undefined> {
  const fromFlags = flags.range !== undefined;
  const others = (["rangeStart", "rangeEnd", "exclude", "gateway", "networkName"] as const).filter(
    (key) => flags[key] !== undefined,
  );
  if (flags.nad !== undefined && (fromFlags || others.length > 0))
    throw invalid("--nad defines the pool by itself: drop --range and its companions, or drop --nad", "--nad");
  if (flags.nad !== undefined) return ipamOfNad(await readSmallFile(flags.nad), flags.nad);
  if (!fromFlags) {
    if (others.length > 0)
      throw invalid(
        `--${others[0]?.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} describes a pool: it needs --range`,
        "--range",
      );
    return undefined;
  }
  return {
    type: "ipledger",
    range: flags.range,
    ...(flags.rangeStart !== undefined ? { range_start: flags.rangeStart } : {}),
    ...(flags.rangeEnd !== undefined ? { range_end: flags.rangeEnd } : {}),
    ...(flags.exclude !== undefined ? { exclude: [...flags.exclude] } : {}),
    ...(flags.gateway !== undefined ? { gateway: flags.gateway } : {}),
    ...(flags.networkName !== undefined ? { network_name: flags.networkName } : {}),
  };
}

/** Reads a regular file of at most NAD_MAX_BYTES; never quotes its content in an error. */
async function readSmallFile(path: string): Promise<string> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    throw invalid(`cannot read --nad ${path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`, "--nad");
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw invalid(`--nad ${path} is not a regular file`, "--nad");
    if (stat.size > NAD_MAX_BYTES)
      throw invalid(
        `--nad ${path} is ${stat.size} bytes; a NetworkAttachmentDefinition is far smaller (limit ${NAD_MAX_BYTES})`,
        "--nad",
      );
    return await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
}

/** `spec.config` of the NAD, parsed, and the `ipam` of the config or of the plugin in its chain that has one. */
async function ipamOfNad(text: string, path: string): Promise<Record<string, unknown>> {
  // @kubernetes/client-node brings the YAML parser Kubernetes manifests are read with; it loads only here.
  const { loadYaml } = await import("@kubernetes/client-node");
  let nad: unknown;
  try {
    nad = loadYaml<unknown>(text);
  } catch {
    throw invalid(`--nad ${path} is not YAML or JSON`, "--nad");
  }
  const { kind, spec } = (nad ?? {}) as { kind?: unknown; spec?: { config?: unknown } };
  if (kind !== "NetworkAttachmentDefinition" || typeof spec?.config !== "string") {
    throw invalid(`--nad ${path} is not a NetworkAttachmentDefinition with a spec.config string`, "--nad");
  }
  let config: { ipam?: unknown; plugins?: { ipam?: unknown }[] };
  try {
    config = JSON.parse(spec.config) as typeof config;
  } catch {
    throw invalid(`spec.config of --nad ${path} is not JSON`, "spec.config");
  }
  const ipam =
    config?.ipam ??
    (Array.isArray(config?.plugins) ? config.plugins.find((plugin) => plugin?.ipam !== undefined)?.ipam : undefined);
  if (typeof ipam !== "object" || ipam === null || Array.isArray(ipam))
    throw invalid(`spec.config of --nad ${path} has no ipam object`, "spec.config.ipam");
  return ipam as Record<string, unknown>;
}
