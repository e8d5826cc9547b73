import { createInterface } from "node:readline/promises";

/** Whether a person can be asked: both stdin and stderr (where the question goes) are terminals. */
export function canAsk(): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true;
}

/**
 * Asks a yes/no question on the terminal (on stderr, so stdout stays clean for pipes); only
 * `y` or `yes` confirms.
 *
 * @example if (!(await confirm("Release 12 addresses of pool 10.20.0.0-24?"))) return;
 */
export async function confirm(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(`${question} [y/N] `);
    return /^(y|yes)$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}
