import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The version in the package.json that ships this file: the nearest one upwards, which is the
 * repository's from the sources and from `dist/`, and `/app/package.json` in the image.
 */
export function packageVersion(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (manifest.name === "ipledger" && manifest.version) return manifest.version;
    }
    if (dirname(dir) === dir) return "unknown";
  }
}
