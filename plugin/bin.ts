#!/usr/bin/env node
// The ipledger CNI executable in TypeScript (the pipe of plugin/native/ for machines without Go):
// the only place that touches `process`.
import { Readable } from "node:stream";
import { requestAgent } from "./agentClient.js";
import { runPipe } from "./main.js";

// A terminal on stdin means nobody piped a config; read nothing rather than wait for typing.
const stdin = process.stdin.isTTY === true ? Readable.from([]) : process.stdin;
runPipe({ env: process.env, stdin, stdout: process.stdout, stderr: process.stderr, request: requestAgent }).then(
  // Exit once stdout has flushed, so a piped result is never cut short.
  (code) => process.stdout.write("", () => process.exit(code)),
  () => process.exit(1),
);
