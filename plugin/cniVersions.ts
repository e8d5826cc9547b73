import { readFileSync } from "node:fs";

/**
 * The CNI versions ipledger speaks, from plugin/native/versions.json: the one list that the Go
 * pipe embeds (`//go:embed`), the TypeScript pipe reads, and the agent negotiates with. Oldest
 * first, so the last is the newest. 0.1.0/0.2.0 are left out: their result shape (`ip4`/`ip6`)
 * cannot carry several addresses per family. `npm run build` copies the file next to this one's
 * build (dist/plugin/native/), so the relative path holds in the sources and in dist/ alike.
 */
const file = JSON.parse(readFileSync(new URL("./native/versions.json", import.meta.url), "utf8")) as {
  supportedVersions?: unknown;
};
if (
  !Array.isArray(file.supportedVersions) ||
  file.supportedVersions.length === 0 ||
  !file.supportedVersions.every((v) => typeof v === "string")
) {
  throw new Error("plugin/native/versions.json must hold a non-empty supportedVersions list of strings");
}

export const SUPPORTED_VERSIONS: readonly string[] = Object.freeze([...(file.supportedVersions as string[])]);

/** The version used when the input names none (VERSION) or names one we cannot speak (errors). */
export const LATEST_VERSION: string = SUPPORTED_VERSIONS[SUPPORTED_VERSIONS.length - 1] as string;

export function isSupportedVersion(value: unknown): value is string {
  return typeof value === "string" && SUPPORTED_VERSIONS.includes(value);
}
