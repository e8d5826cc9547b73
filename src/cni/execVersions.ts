import { isSupportedVersion, SUPPORTED_VERSIONS } from "../../plugin/cniVersions.js";
import { ExecError } from "./execErrors.js";

/** The verbs a CNI call may carry in CNI_COMMAND. */
export const VERBS = ["ADD", "DEL", "CHECK", "GC", "STATUS", "VERSION"] as const;
export type Verb = (typeof VERBS)[number];

/** The first spec version that has each verb: CHECK came with 0.4.0, GC and STATUS with 1.1.0. */
const INTRODUCED_IN: Readonly<Record<Verb, string>> = {
  ADD: "0.3.0",
  DEL: "0.3.0",
  VERSION: "0.3.0",
  CHECK: "0.4.0",
  GC: "1.1.0",
  STATUS: "1.1.0",
};

/** Orders two versions numerically, part by part (so 0.10.0 would sort after 0.4.0). */
export function compareVersions(a: string, b: string): number {
  const left = a.split(".").map(Number);
  const right = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/**
 * Returns the config's `cniVersion` when ipledger can serve `verb` at that version, and throws
 * an UNSUPPORTED_VERSION error (CNI code 1) otherwise.
 */
export function requireVersionFor(verb: Verb, cniVersion: unknown): string {
  if (!isSupportedVersion(cniVersion)) {
    const seen = cniVersion === undefined ? "missing" : JSON.stringify(cniVersion);
    throw new ExecError(
      "UNSUPPORTED_VERSION",
      `incompatible CNI versions: config cniVersion is ${seen}, plugin supports ${SUPPORTED_VERSIONS.join(", ")}`,
      "set cniVersion in the network configuration to one of the supported versions",
    );
  }
  const needed = INTRODUCED_IN[verb];
  if (compareVersions(cniVersion, needed) < 0) {
    throw new ExecError(
      "UNSUPPORTED_VERSION",
      `${verb} needs cniVersion ${needed} or later; config cniVersion is "${cniVersion}"`,
      `${verb} does not exist in CNI ${cniVersion}`,
    );
  }
  return cniVersion;
}
