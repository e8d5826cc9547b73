#!/usr/bin/env node
import { runCli } from "./program.js";

// The only place that exits: every command returns its exit code.
runCli(process.argv).then(
  (code) => (process.exitCode = code),
  () => (process.exitCode = 70),
);
