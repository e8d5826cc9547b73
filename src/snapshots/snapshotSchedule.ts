import type { LedgerState } from "../../ledger/core/index.js";
import type { SnapshotStore } from "./snapshotStore.js";

const eventsOf = (state: LedgerState): number => [...state.applied.values()].reduce((sum, next) => sum + next, 0);

/**
 * Writes a snapshot whenever the fold has applied `everyEvents` more events (looked at every
 * `checkEveryMs`), and a last one at a clean shutdown. Writing captures the state synchronously:
 * about a second per million live allocations during which the agent answers nothing, which is
 * why it is counted in events rather than run on a short timer.
 *
 * @example const snapshots = startSnapshotSchedule({ fold: runner, store, everyEvents: 100_000 }); … snapshots.stop({ final: true });
 */
export function startSnapshotSchedule(deps: {
  fold: { readonly state: LedgerState; heads(): Map<number, string> };
  store: SnapshotStore;
  everyEvents: number;
  /** Events covered by the snapshot the fold started from (none: the first chance writes one). */
  startedAt?: number;
  checkEveryMs?: number;
  onWritten?: (written: { path: string; events: number; bytes: number; ms: number }) => void;
  onError?: (error: unknown) => void;
}) {
  let last = deps.startedAt ?? -1;
  const take = (): void => {
    const events = eventsOf(deps.fold.state);
    if (events === last) return;
    const started = Date.now();
    const written = deps.store.write(deps.fold.state, deps.fold.heads());
    last = events;
    deps.onWritten?.({ ...written, ms: Date.now() - started });
  };
  const attempt = (): void => {
    try {
      take();
    } catch (error) {
      deps.onError?.(error);
    }
  };
  const timer = setInterval(() => {
    if (eventsOf(deps.fold.state) - Math.max(last, 0) >= deps.everyEvents) attempt();
  }, deps.checkEveryMs ?? 10_000);
  timer.unref();
  return {
    /** Stops the schedule; with `final`, writes a snapshot of where the (stopped) fold stands. */
    stop(options: { final: boolean }): void {
      clearInterval(timer);
      if (options.final) attempt();
    },
  };
}
