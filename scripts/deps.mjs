#!/usr/bin/env node
// `npm run deps`: prints which folder imports which (top-level folders, and src/ by subfolder),
// then checks the layering rules of .dependency-cruiser.cjs: no cycle, no upward import. Exits 1
// on any violation not listed in .dependency-cruiser-known-violations.json (the debt left when
// the rules were introduced; each entry names the import to move, and the list only shrinks).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const KNOWN = ".dependency-cruiser-known-violations.json";
const args = [
  "depcruise",
  "--config",
  ".dependency-cruiser.cjs",
  "--output-type",
  "json",
  ...(existsSync(KNOWN) ? ["--ignore-known", KNOWN] : []),
  "ledger",
  "projections",
  "src",
  "plugin",
];
const run = spawnSync("npx", ["--no-install", ...args], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
if (run.status !== 0 && !run.stdout.startsWith("{")) {
  process.stderr.write(run.stderr || run.stdout);
  process.exit(2);
}
const result = JSON.parse(run.stdout);

/** ledger/core, ledger/log, projections, src/cli, src/http, …, plugin: the units the rules speak of. */
function folderOf(path) {
  const parts = path.split("/");
  if (parts[0] === "src" || parts[0] === "ledger")
    return parts.length > 2 ? `${parts[0]}/${parts[1]}` : `${parts[0]}/(top)`;
  return parts[0];
}

const edges = new Map();
for (const module of result.modules) {
  if (module.coreModule || module.source.startsWith("node_modules")) continue;
  for (const dependency of module.dependencies) {
    if (dependency.coreModule || dependency.resolved.startsWith("node_modules") || dependency.couldNotResolve) continue;
    const from = folderOf(module.source);
    const to = folderOf(dependency.resolved);
    if (from === to) continue;
    const key = `${from} → ${to}`;
    edges.set(key, (edges.get(key) ?? 0) + 1);
  }
}
const out = [];
out.push("Import direction between folders (imports counted per file):");
for (const [edge, count] of [...edges].sort(([a], [b]) => a.localeCompare(b)))
  out.push(`  ${edge.padEnd(44)} ${count}`);

const { summary } = result;
const fresh = summary.violations.filter((violation) => violation.rule.severity === "error");
out.push("");
out.push(
  `${summary.totalCruised} modules, ${summary.totalDependenciesCruised} imports cruised; ${fresh.length} violation(s), ${summary.ignore} known and listed in ${KNOWN}.`,
);
for (const violation of fresh) {
  const path = violation.cycle
    ? [violation.from, ...violation.cycle.map((step) => step.name ?? step)].join(" → ")
    : `${violation.from} → ${violation.to}`;
  out.push(`  ${violation.rule.name}: ${path}`);
}
process.stdout.write(`${out.join("\n")}\n`);
process.exit(fresh.length > 0 ? 1 : 0);
