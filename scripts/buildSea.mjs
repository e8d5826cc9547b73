// Builds the CNI plugin as a Node single-executable application: dist/ipledger-cni.
//
//   npm run build && node scripts/buildSea.mjs            # bundle, blob, inject, smoke test
//   node scripts/buildSea.mjs --measure                   # ... and time start-up (20 runs each)
//
// A SEA embeds ONE CommonJS script, and in it `require` reaches only Node's built-ins. The plugin
// is built for that: its compiled files (dist/plugin/*.js) import nothing but `node:*` and each
// other, with one-line `import { … } from "…"` statements and `export` on declarations only. So a
// small bundling step suffices, with no bundler dependency:
//   - each local module becomes a function scope that returns its exports, in dependency order;
//   - `import { a, b as c } from "./x.js"` becomes `const { a, b: c } = <module x>`;
//   - `import { a } from "node:y"` becomes `const { a } = require("node:y")`;
//   - `export function|class|const|let|async function` loses the keyword and its name is returned.
// Anything else (default exports, `export { … }`, `import.meta`, dynamic import, a bare package
// name) stops the build with the file and line, instead of producing a bundle that breaks later.
// The bundle (dist/ipledger-cni.cjs) also runs under plain `node`, which the smoke test uses too.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(repo, "dist");
const entry = join(dist, "plugin", "bin.js");
const bundlePath = join(dist, "ipledger-cni.cjs");
const blobPath = join(dist, "ipledger-cni.blob");
const seaConfigPath = join(dist, "ipledger-cni.sea.json");
const exePath = join(dist, "ipledger-cni");
const FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";

const IMPORT = /^import\s+(?:(\*\s+as\s+\w+)|(\w+)|\{([^}]*)\})\s+from\s+"([^"]+)";?\s*$/;
const EXPORT_DECLARATION = /^export\s+((?:async\s+)?function\*?|class|const|let)\s+([A-Za-z_$][\w$]*)/;

function fail(message) {
  console.error(`buildSea: ${message}`);
  process.exit(1);
}

/** `{ a, b as c }` → `{ a, b: c }` for a destructuring declaration. */
function destructure(specifiers) {
  const parts = specifiers
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .map((part) => part.replace(/^(\w+)\s+as\s+(\w+)$/, "$1: $2"));
  return `{ ${parts.join(", ")} }`;
}

function moduleVariable(file) {
  return `__module_${relative(dist, file).replace(/[^A-Za-z0-9]/g, "_")}`;
}

/** Rewrites one compiled module; returns its body, exported names and local dependencies. */
function rewriteModule(file) {
  const where = (index) => `${relative(repo, file)}:${index + 1}`;
  const exports = [];
  const dependencies = [];
  const lines = readFileSync(file, "utf8").split("\n");
  const body = lines.map((line, index) => {
    if (index === 0 && line.startsWith("#!")) return "";
    if (line.includes("import.meta") || /\bimport\s*\(/.test(line)) fail(`${where(index)}: import.meta and import() cannot be bundled`);
    if (line.startsWith("import ")) {
      const match = IMPORT.exec(line);
      if (match === null) fail(`${where(index)}: unsupported import form: ${line}`);
      const [, namespace, defaultName, named, source] = match;
      const target = namespace ? namespace.replace(/^\*\s+as\s+/, "") : defaultName ?? destructure(named);
      if (source.startsWith("node:")) return `const ${target} = require(${JSON.stringify(source)});`;
      if (!source.startsWith(".")) fail(`${where(index)}: ${source} is not node:* or a local file`);
      const dependency = resolve(dirname(file), source);
      dependencies.push(dependency);
      return `const ${target} = ${moduleVariable(dependency)};`;
    }
    if (line.startsWith("export ")) {
      const match = EXPORT_DECLARATION.exec(line);
      if (match === null) fail(`${where(index)}: unsupported export form: ${line}`);
      exports.push(match[2]);
      return line.slice("export ".length);
    }
    return line;
  });
  return { body: body.join("\n"), exports, dependencies };
}

/** Orders the modules reachable from `entryFile` so that each comes after what it imports. */
function bundle(entryFile) {
  const ordered = [];
  const state = new Map(); // file → "visiting" | "done"
  const visit = (file, chain) => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "visiting") fail(`import cycle: ${[...chain, file].map((f) => relative(dist, f)).join(" → ")}`);
    if (!existsSync(file)) fail(`${relative(repo, file)} is missing; run \`npm run build\` first`);
    state.set(file, "visiting");
    const module = rewriteModule(file);
    for (const dependency of module.dependencies) visit(dependency, [...chain, file]);
    state.set(file, "done");
    ordered.push({ file, ...module });
  };
  visit(entryFile, []);
  const parts = ordered.map(({ file, body, exports }) =>
    file === entryFile
      ? `// ${relative(dist, file)}\n${body}`
      : `// ${relative(dist, file)}\nconst ${moduleVariable(file)} = (() => {\n${body}\nreturn { ${exports.join(", ")} };\n})();`,
  );
  return `"use strict";\n// Generated by scripts/buildSea.mjs from dist/plugin/*.js. Do not edit.\n${parts.join("\n")}\n`;
}

/** Runs a CNI VERSION call and checks the answer. */
function smokeTest(command, args) {
  const run = spawnSync(command, args, { input: '{"cniVersion":"1.0.0"}', env: { ...process.env, CNI_COMMAND: "VERSION" }, encoding: "utf8" });
  const answer = run.status === 0 ? JSON.parse(run.stdout) : undefined;
  if (answer?.cniVersion !== "1.0.0" || !answer.supportedVersions?.includes("1.1.0") || run.stderr !== "") {
    fail(`smoke test of ${[command, ...args].join(" ")} failed (exit ${run.status}): ${run.stdout}${run.stderr}`);
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Wall-clock start-up of a VERSION call for each candidate. Runs are interleaved round-robin, so
 * a burst of load on the machine hits every candidate alike; 3 warm-up rounds, then `rounds`.
 */
function measure(candidates, rounds = 20) {
  const options = { input: '{"cniVersion":"1.0.0"}', env: { ...process.env, CNI_COMMAND: "VERSION" }, stdio: ["pipe", "ignore", "inherit"] };
  const times = candidates.map(() => []);
  for (let round = -3; round < rounds; round++) {
    candidates.forEach(([, command, args], index) => {
      const started = process.hrtime.bigint();
      spawnSync(command, args, options);
      if (round >= 0) times[index].push(Number(process.hrtime.bigint() - started) / 1e6);
    });
  }
  candidates.forEach(([label], index) => {
    const [low, mid, high] = [Math.min(...times[index]), median(times[index]), Math.max(...times[index])].map((t) => t.toFixed(1).padStart(6));
    console.log(`${label.padEnd(40)} median ${mid} ms   min ${low}   max ${high}   (${rounds} runs)`);
  });
}

// 1. One CommonJS script from the compiled plugin.
writeFileSync(bundlePath, bundle(entry));
smokeTest(process.execPath, [bundlePath]);

// 2. The SEA blob. The code cache saves compiling the script at every start.
writeFileSync(
  seaConfigPath,
  JSON.stringify({ main: bundlePath, output: blobPath, disableExperimentalSEAWarning: true, useCodeCache: true }, null, 2),
);
execFileSync(process.execPath, ["--experimental-sea-config", seaConfigPath], { stdio: ["ignore", "ignore", "inherit"] });

// 3. A copy of this node with the blob injected, and the fuse flipped so it runs the blob.
rmSync(exePath, { force: true });
copyFileSync(process.execPath, exePath);
chmodSync(exePath, 0o755);
// postject prints harmless LIEF warnings about ELF note sections; show its output only on failure.
const inject = spawnSync("npx", ["--no", "postject", exePath, "NODE_SEA_BLOB", blobPath, "--sentinel-fuse", FUSE], { cwd: repo, encoding: "utf8" });
if (inject.status !== 0) fail(`postject failed (exit ${inject.status}):\n${inject.stdout}${inject.stderr}`);
smokeTest(exePath, []);
console.log(`buildSea: wrote ${relative(repo, exePath)} (VERSION smoke test passed)`);

if (process.argv.includes("--measure")) {
  const rounds = Number(process.env.MEASURE_ROUNDS ?? 20);
  measure(
    [
      ["node -e 0", process.execPath, ["-e", "0"]],
      ["node dist/plugin/bin.js (VERSION)", process.execPath, [entry]],
      ["node dist/ipledger-cni.cjs (VERSION)", process.execPath, [bundlePath]],
      ["dist/ipledger-cni SEA (VERSION)", exePath, []],
    ],
    rounds,
  );
}
