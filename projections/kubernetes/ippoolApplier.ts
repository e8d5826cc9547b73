import type { IPPoolObject } from "./ippoolObjects.js";
import { mergeForReplace, sameContent, stampForCreate } from "./ippoolDiff.js";
import { IPPoolStoreError, type IPPoolStore, type StoredIPPool } from "./ippoolStore.js";
import { createIPPoolMirror } from "./ippoolMirror.js";

export interface IPPoolApplierOptions {
  readonly store: IPPoolStore;
  /** The object the projection wants for `name` now (computed on demand), or `undefined`. */
  readonly desired: (name: string) => IPPoolObject | undefined;
  /** Every IPPool name the projection wants. */
  readonly names: () => Iterable<string>;
  /** Stamped in `ipledger.io/written-by` on every write: the Lease holder identity. */
  readonly writer: string;
  readonly fieldManager?: string;
  /** The Lease gate, asked right before every write: false means do not write. */
  readonly canWrite?: () => boolean;
  /** At most one write per pool per this many ms; changes in between are coalesced. Default 250. */
  readonly minWriteIntervalMs?: number;
  /** Relist and re-watch this often, because watches can stall silently. Default 60 s. */
  readonly resyncIntervalMs?: number;
  /** Wait before retrying a pool whose write failed, or re-watching after a watch ended. Default 1 s. */
  readonly retryDelayMs?: number;
  /** 409 conflicts on one pool before the attempt counts as failed. Default 5. */
  readonly maxConflicts?: number;
  /** A write or read that has not answered by then counts as failed (its late answer is ignored). Default 30 s. */
  readonly requestTimeoutMs?: number;
  readonly onEvent?: (event: ApplierEvent) => void;
}

export type ApplierEvent =
  | { readonly kind: "created" | "replaced"; readonly name: string; readonly resourceVersion: string }
  | { readonly kind: "conflict"; readonly name: string }
  | { readonly kind: "drift"; readonly name: string; readonly change: "edited" | "deleted" }
  | { readonly kind: "error"; readonly name?: string; readonly error: unknown };

export interface ApplierStats {
  /** Writes that changed an object (creates and replaces that succeeded). */
  writes: number;
  creates: number;
  replaces: number;
  /** Write requests refused with 409 (stale resourceVersion or AlreadyExists). */
  conflicts: number;
  gets: number;
  lists: number;
}

interface Slot {
  dirty: boolean;
  inFlight: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Monotonic ms before which this pool is not written again. */
  notBefore: number;
}

/**
 * A thin applier for IPPools: keeps the namespace's IPPools equal to what the projection wants.
 *
 * - Coalesces: `changed(names)` marks pools dirty; each pool is written at most once per
 *   `minWriteIntervalMs`, with whatever the projection wants at that moment.
 * - Writes only on a difference (`sameContent`): never when the object is already right.
 * - Creates missing objects; replaces existing ones conditionally on the resourceVersion it read,
 *   and on 409 re-reads and tries again.
 * - Restores hand edits and deletions: a watch on the namespace (plus a periodic relist) marks a
 *   pool dirty when what the apiserver holds differs from what the projection wants.
 * - Writes only while `start()`ed and `canWrite()` (the Lease) says so.
 *
 * @example
 *   const applier = createIPPoolApplier({ store, desired, names, writer: "projector-a" });
 *   applier.start();
 *   applier.changed(["10.0.0.0-24"]);
 */
export function createIPPoolApplier(options: IPPoolApplierOptions) {
  const { store, writer } = options;
  const fieldManager = options.fieldManager ?? "ipledger-projector";
  const minInterval = options.minWriteIntervalMs ?? 250;
  const retryDelay = options.retryDelayMs ?? 1_000;
  const maxConflicts = options.maxConflicts ?? 5;
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const canWrite = options.canWrite ?? (() => true);
  const emit = options.onEvent ?? (() => undefined);
  const stats: ApplierStats = { writes: 0, creates: 0, replaces: 0, conflicts: 0, gets: 0, lists: 0 };
  const slots = new Map<string, Slot>();
  let active = false;

  const slotOf = (name: string): Slot => {
    let slot = slots.get(name);
    if (!slot) slots.set(name, (slot = { dirty: false, inFlight: false, timer: undefined, notBefore: 0 }));
    return slot;
  };

  const mirror = createIPPoolMirror({
    store,
    resyncIntervalMs: options.resyncIntervalMs ?? 60_000,
    retryDelayMs: retryDelay,
    onListed: () => {
      stats.lists += 1;
      for (const name of options.names()) markDirty(name);
    },
    onChange: (name, object) => {
      const desired = options.desired(name);
      if (!desired || (object && sameContent(object, desired))) return;
      emit({ kind: "drift", name, change: object ? "edited" : "deleted" });
      markDirty(name);
    },
    onError: (error) => emit({ kind: "error", error }),
  });

  function markDirty(name: string): void {
    const slot = slotOf(name);
    slot.dirty = true;
    schedule(name, slot);
  }

  function schedule(name: string, slot: Slot): void {
    if (!active || slot.timer || slot.inFlight || !slot.dirty) return;
    slot.timer = setTimeout(() => void flush(name, slot), Math.max(0, slot.notBefore - performance.now()));
  }

  async function flush(name: string, slot: Slot): Promise<void> {
    slot.timer = undefined;
    // Stays dirty: start() rechecks every pool once the mirror has listed what exists, so a new
    // leader does not blindly create pools that are already there.
    if (!active || !mirror.ready()) return;
    if (!canWrite()) {
      // The Lease may be renewed late rather than lost: look again, without writing, in a while.
      slot.notBefore = performance.now() + retryDelay;
      return schedule(name, slot);
    }
    slot.dirty = false;
    slot.inFlight = true;
    try {
      if (await reconcile(name)) slot.notBefore = performance.now() + minInterval;
    } catch (error) {
      slot.dirty = true;
      slot.notBefore = performance.now() + retryDelay;
      emit({ kind: "error", name, error });
    } finally {
      slot.inFlight = false;
      schedule(name, slot);
    }
  }

  /** Brings one pool to what the projection wants; true when it wrote. */
  async function reconcile(name: string): Promise<boolean> {
    for (let conflicts = 0; conflicts <= maxConflicts; conflicts += 1) {
      const desired = options.desired(name);
      const current = mirror.get(name);
      if (!desired || (current && sameContent(current, desired))) return false;
      if (!active || !canWrite()) {
        slotOf(name).dirty = true;
        return false;
      }
      const version = mirror.version(name);
      try {
        const request = current
          ? store.replace(mergeForReplace(current, desired, writer), fieldManager)
          : store.create(stampForCreate(desired, writer), fieldManager);
        const stored = await withTimeout(request, requestTimeoutMs, `writing IPPool ${store.namespace}/${name}`);
        recordWrite(name, stored, current ? "replaced" : "created", version);
        return true;
      } catch (error) {
        if (!(error instanceof IPPoolStoreError)) throw error;
        stats.conflicts += 1;
        emit({ kind: "conflict", name });
        stats.gets += 1;
        mirror.set(
          name,
          await withTimeout(store.get(name), requestTimeoutMs, `reading IPPool ${store.namespace}/${name}`),
        );
      }
    }
    throw new Error(
      `IPPool ${store.namespace}/${name} kept changing under the projector (${maxConflicts + 1} conflicts in a row); will retry`,
    );
  }

  function recordWrite(name: string, stored: StoredIPPool, kind: "created" | "replaced", versionBefore: number): void {
    stats.writes += 1;
    if (kind === "created") stats.creates += 1;
    else stats.replaces += 1;
    emit({ kind, name, resourceVersion: stored.metadata.resourceVersion });
    // If the watch reported something else about this pool meanwhile, trust it and look again.
    if (!mirror.setIfUnchanged(name, stored, versionBefore)) markDirty(name);
  }

  return {
    stats,
    /** Starts writing: lists and watches the namespace (in the background), then brings every pool up to date. */
    start(): void {
      if (active) return;
      active = true;
      mirror.start();
    },
    /** Stops writing at once (no new write starts), and stops the watch. */
    async stop(): Promise<void> {
      active = false;
      for (const slot of slots.values()) {
        clearTimeout(slot.timer);
        slot.timer = undefined;
      }
      mirror.stop();
      while ([...slots.values()].some((slot) => slot.inFlight)) await new Promise((resolve) => setTimeout(resolve, 10));
    },
    /** The projection changed these pools. */
    changed(names: Iterable<string>): void {
      for (const name of names) markDirty(name);
    },
    /** True when started, mirrored, and no pool is waiting or being written. */
    idle(): boolean {
      return (
        active && mirror.ready() && [...slots.values()].every((slot) => !slot.dirty && !slot.inFlight && !slot.timer)
      );
    },
    get active(): boolean {
      return active;
    },
  };
}

export type IPPoolApplier = ReturnType<typeof createIPPoolApplier>;

/** `promise`, or a rejection after `ms`: client-node sets no request timeout, and a hung call must not stall a pool forever. */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} got no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
