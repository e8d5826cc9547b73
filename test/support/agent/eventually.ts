import { setTimeout as sleep } from "node:timers/promises";

/**
 * Polls `probe` until it returns a value `accept` takes, or fails after `timeoutMs` with the last
 * value seen (a generous bound for a shared 2-core machine, not a speed assertion).
 *
 * @example const reply = await eventually(() => httpJson(socket, "GET", "/healthz"), (r) => r.status === 503);
 */
export async function eventually<T>(
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 30_000,
  what = "the condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (accept(last)) return last;
    if (Date.now() > deadline)
      throw new Error(`${what} did not hold within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    await sleep(100);
  }
}
