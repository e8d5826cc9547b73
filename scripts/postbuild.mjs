// Marks the built entry points executable and copies the SQL migrations next to the build,
// so `dist/` runs on its own.
import { chmodSync, cpSync, existsSync } from "node:fs";

for (const entry of ["dist/src/cli/bin.js", "dist/plugin/bin.js"]) {
  if (existsSync(entry)) chmodSync(entry, 0o755);
}
cpSync("migrations", "dist/migrations", { recursive: true });
