import { Writable } from "node:stream";
import type { CommandIo } from "../../../src/cli/commandIo.js";

/** Streams that keep what a command prints, for `runCli(argv, io)`. */
export interface CapturedIo extends CommandIo {
  stdoutText(): string;
  stderrText(): string;
}

function collector(): { stream: Writable; text(): string } {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      text += typeof chunk === "string" ? chunk : chunk.toString("utf8");
      done();
    },
  });
  return { stream, text: () => text };
}

/**
 * Fresh in-memory stdout and stderr for one in-process CLI run: injected, never patched over
 * `process.stdout`, so a test's own output and a concurrent test's are left alone.
 *
 * @example const io = capturedIo(); await runCli(["node", "ipledger", "pools"], io); io.stdoutText();
 */
export function capturedIo(): CapturedIo {
  const out = collector();
  const err = collector();
  return { stdout: out.stream, stderr: err.stream, stdoutText: out.text, stderrText: err.text };
}
