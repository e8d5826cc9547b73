/** The most a CNI call may carry on stdin; the agent refuses more and names the limit. */
export const MAX_STDIN_BYTES = 1024 * 1024;

/** stdin as read: up to one byte over the limit (enough for the agent to see it is over), and why reading stopped early, if it did. */
export interface StdinBytes {
  readonly bytes: Buffer;
  readonly error?: string;
}

/**
 * Reads at most `maxBytes + 1` bytes of `stdin` and stops there, so a runaway writer cannot make
 * the pipe buffer without bound.
 *
 * @example
 *   const { bytes } = await readStdin(Readable.from([Buffer.from("{}")]));
 */
export async function readStdin(
  stdin: AsyncIterable<Uint8Array | string>,
  maxBytes: number = MAX_STDIN_BYTES,
): Promise<StdinBytes> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stdin) {
      const bytes =
        typeof chunk === "string"
          ? Buffer.from(chunk, "utf8")
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      chunks.push(bytes);
      size += bytes.length;
      // Leaving the loop early destroys the stream; nothing more is buffered.
      if (size > maxBytes) break;
    }
  } catch (error) {
    return {
      bytes: Buffer.concat(chunks).subarray(0, maxBytes + 1),
      error: error instanceof Error ? error.message : String(error),
    };
  }
  return { bytes: Buffer.concat(chunks).subarray(0, maxBytes + 1) };
}
