// `npm run build:cni`: builds the native CNI pipe (plugin/native, Go, standard library only) into
// dist/ipledger-cni: static (CGO_ENABLED=0), stripped, no local paths (-trimpath), about 2 MB.
// Needs Go >= 1.26 on PATH; GOTOOLCHAIN=local so a build never downloads another toolchain.
// Then runs it once (CNI VERSION) as a smoke test. Machines without Go use `node dist/plugin/bin.js`.
import { spawnSync } from "node:child_process";
import { mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(repo, "plugin", "native");
const output = join(repo, "dist", "ipledger-cni");

function fail(message) {
  console.error(`build:cni: ${message}`);
  process.exit(1);
}

const env = { ...process.env, CGO_ENABLED: "0", GOTOOLCHAIN: "local" };
const version = spawnSync("go", ["env", "GOVERSION"], { env, encoding: "utf8" });
if (version.error || version.status !== 0) {
  fail(
    "Go is not on PATH. The native pipe needs Go >= 1.26 (https://go.dev/dl/); without Go, use `node dist/plugin/bin.js` as the CNI plugin.",
  );
}
const [major = 0, minor = 0] = version.stdout.trim().replace(/^go/, "").split(".").map(Number);
if (major < 1 || (major === 1 && minor < 26))
  fail(`Go ${version.stdout.trim()} is too old; the native pipe needs Go >= 1.26`);

mkdirSync(dirname(output), { recursive: true });
const build = spawnSync("go", ["build", "-trimpath", "-ldflags=-s -w", "-o", output, "."], {
  cwd: source,
  env,
  encoding: "utf8",
});
if (build.status !== 0) fail(`go build failed (exit ${build.status}):\n${build.stdout}${build.stderr}`);

const smoke = spawnSync(output, [], {
  env: { CNI_COMMAND: "VERSION" },
  input: '{"cniVersion":"1.0.0"}',
  encoding: "utf8",
  timeout: 10_000,
});
if (smoke.status !== 0 || !smoke.stdout.includes('"supportedVersions"'))
  fail(`${output} does not answer CNI VERSION:\n${smoke.stdout}${smoke.stderr}`);
console.log(
  `build:cni: wrote dist/ipledger-cni (${(statSync(output).size / 1024 / 1024).toFixed(2)} MiB, ${version.stdout.trim()}, static)`,
);
