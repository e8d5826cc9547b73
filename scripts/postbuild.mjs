// Marks the built entry points executable and copies the SQL migrations and the CNI version list
// next to the build, so `dist/` runs on its own.
import { chmodSync, cpSync, existsSync, mkdirSync } from "node:fs";

for (const entry of ["dist/src/cli/bin.js", "dist/plugin/bin.js"]) {
  if (existsSync(entry)) chmodSync(entry, 0o755);
}
cpSync("migrations", "dist/migrations", { recursive: true });
mkdirSync("dist/plugin/native", { recursive: true });
cpSync("plugin/native/versions.json", "dist/plugin/native/versions.json");
