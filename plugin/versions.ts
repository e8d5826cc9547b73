import { PluginError } from "./errors.js";

/**
 * The CNI versions the plugin (with the agent behind it) speaks. 0.1.0/0.2.0 are left out: their
 * result shape (`ip4`/`ip6`) cannot carry several addresses per family.
 */
export const SUPPORTED_VERSIONS = ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"] as const;
export type SupportedVersion = (typeof SUPPORTED_VERSIONS)[number];

/** The version used when the input names none (VERSION) or names one we cannot speak (errors). */
export const LATEST_VERSION: SupportedVersion = "1.1.0";

/** The verbs the plugin accepts in CNI_COMMAND. */
export const VERBS = ["ADD", "DEL", "CHECK", "GC", "STATUS", "VERSION"] as const;
export type Verb = (typeof VERBS)[number];

/** The first spec version that has each verb: CHECK came with 0.4.0, GC and STATUS with 1.1.0. */
const INTRODUCED_IN: Readonly<Record<Verb, SupportedVersion>> = {
  ADD: "0.3.0",
  DEL: "0.3.0",
  VERSION: "0.3.0",
  CHECK: "0.4.0",
  GC: "1.1.0",
  STATUS: "1.1.0",
};

export function isSupportedVersion(value: unknown): value is SupportedVersion {
  return typeof value === "string" && (SUPPORTED_VERSIONS as readonly string[]).includes(value);
}

/** Orders two supported versions numerically, part by part (so 0.10.0 would sort after 0.4.0). */
export function compareVersions(a: SupportedVersion, b: SupportedVersion): number {
  const left = a.split(".").map(Number);
  const right = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/**
 * Returns the config's `cniVersion` when the plugin can serve `verb` at that version, and throws
 * an UNSUPPORTED_VERSION error (CNI code 1) otherwise.
 */
export function requireVersionFor(verb: Verb, cniVersion: unknown): SupportedVersion {
  if (!isSupportedVersion(cniVersion)) {
    const seen = cniVersion === undefined ? "missing" : JSON.stringify(cniVersion);
    throw new PluginError(
      "UNSUPPORTED_VERSION",
      `incompatible CNI versions: config cniVersion is ${seen}, plugin supports ${SUPPORTED_VERSIONS.join(", ")}`,
      "set cniVersion in the network configuration to one of the supported versions",
    );
  }
  const needed = INTRODUCED_IN[verb];
  if (compareVersions(cniVersion, needed) < 0) {
    throw new PluginError(
      "UNSUPPORTED_VERSION",
      `${verb} needs cniVersion ${needed} or later; config cniVersion is "${cniVersion}"`,
      `${verb} does not exist in CNI ${cniVersion}`,
    );
  }
  return cniVersion;
}
