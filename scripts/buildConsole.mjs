// Bundles the console's browser code (src/console/web) into dist/console: one script, one
// stylesheet and index.html, served by `ipledger console`. Nothing is fetched at run time.
import { copyFileSync, mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const web = join(root, "src/console/web");
const out = join(root, "dist/console");
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(web, "main.tsx")],
  outfile: join(out, "app.js"),
  bundle: true,
  minify: true,
  format: "iife",
  target: ["chrome110", "firefox110", "safari16"],
  jsx: "automatic",
  jsxImportSource: "preact",
  legalComments: "linked",
  logLevel: "warning",
});
copyFileSync(join(web, "index.html"), join(out, "index.html"));
const size = (name) => `${name} ${(statSync(join(out, name)).size / 1024).toFixed(1)} KiB`;
if (process.argv.includes("--sizes")) console.log(["app.js", "app.css"].map(size).join(", "));
