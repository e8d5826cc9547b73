import { PluginError } from "./errors.js";

/** The most the plugin reads from stdin. A network configuration is a few kilobytes. */
export const MAX_STDIN_BYTES = 1024 * 1024;

/** stdin as read: its text, or why it could not be read. Errors are kept, not thrown, because
 * VERSION answers even when stdin is unusable and the other verbs check the environment first. */
export type StdinContent =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly error: PluginError };

/**
 * Reads at most `maxBytes` from `stdin` and stops reading as soon as there is more, so a runaway
 * writer cannot make the plugin buffer without bound.
 *
 * @example
 *   const content = await readStdin(Readable.from([Buffer.from("{}")]));
 */
export async function readStdin(
  stdin: AsyncIterable<Uint8Array | string>,
  maxBytes: number = MAX_STDIN_BYTES,
): Promise<StdinContent> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stdin) {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      size += bytes.length;
      if (size > maxBytes) {
        // Leaving the loop early destroys the stream; nothing more is buffered.
        return {
          ok: false,
          error: new PluginError(
            "REQUEST_TOO_LARGE",
            `network configuration on stdin is larger than ${maxBytes} bytes`,
            "a CNI network configuration is a few kilobytes; check what the runtime passes on stdin",
          ),
        };
      }
      chunks.push(bytes);
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, error: new PluginError("STDIN_UNREADABLE", `cannot read stdin: ${reason}`) };
  }
  return { ok: true, text: Buffer.concat(chunks).toString("utf8") };
}
