import { setTimeout as sleep } from "node:timers/promises";

/**
 * Prints the list at once, then again every time it changes, checking every `intervalMs`, until
 * `signal` aborts (SIGINT in the CLI). Returns how many lists it printed.
 *
 * @example await watchLists(() => currentList(), (text) => process.stdout.write(text), { intervalMs: 1000, signal });
 */
export async function watchLists(
  render: () => Promise<string>,
  write: (text: string) => void,
  options: { intervalMs: number; signal: AbortSignal },
): Promise<number> {
  let previous: string | undefined;
  let printed = 0;
  while (!options.signal.aborted) {
    const current = await render();
    if (current !== previous) {
      write(current);
      previous = current;
      printed += 1;
    }
    try {
      await sleep(options.intervalMs, undefined, { signal: options.signal });
    } catch {
      break; // aborted
    }
  }
  return printed;
}
