// `npm run test:fuzz`: the native pipe's Go tests (with the committed corpus in
// plugin/native/testdata/fuzz as regression cases), then a short seeded fuzzing run per target.
// FUZZTIME (default 20s) sets each run's length; .ci/run calls this before `npm test`.
// A new failing input is written to plugin/native/testdata/fuzz/<Target>/: commit it with the fix.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const source = join(dirname(fileURLToPath(import.meta.url)), "..", "plugin", "native");
const env = { ...process.env, CGO_ENABLED: "0", GOTOOLCHAIN: "local" };
// A count, not a duration: when a duration runs out while the fuzzer is minimizing a new input, Go
// reports "context deadline exceeded" as a failure (seen in CI). A count has no such deadline, and
// minimizing each new input is bounded on its own.
const fuzzTime = process.env.FUZZTIME ?? "20000x";
const targets = ["FuzzStdin", "FuzzAnswer", "FuzzQuote"];

function go(args) {
  console.log(`test:fuzz: go ${args.join(" ")}`);
  const run = spawnSync("go", args, { cwd: source, env, stdio: "inherit" });
  if (run.error) {
    console.error("test:fuzz: Go is not on PATH; the native pipe's tests need Go >= 1.26 (https://go.dev/dl/)");
    process.exit(1);
  }
  if (run.status !== 0) process.exit(run.status ?? 1);
}

go(["vet", "."]);
go(["test", "-count=1", "."]);
for (const target of targets)
  go(["test", "-run=^$", `-fuzz=^${target}$`, `-fuzztime=${fuzzTime}`, "-fuzzminimizetime=5s", "-parallel=1", "."]);
