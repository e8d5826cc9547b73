import type { IPPoolStore, StoredIPPool, WatchEventType } from "./ippoolStore.js";

export interface IPPoolMirrorOptions {
  readonly store: IPPoolStore;
  readonly resyncIntervalMs: number;
  readonly retryDelayMs: number;
  /** After every (re)list: the applier rechecks every pool it wants. */
  readonly onListed: () => void;
  /** Someone else changed or deleted `name` (`object` undefined): the applier compares. */
  readonly onChange: (name: string, object: StoredIPPool | undefined) => void;
  readonly onError: (error: unknown) => void;
}

/** How many of our own resourceVersions per pool we remember, to drop late echoes of them. */
const WRITTEN_MEMORY = 8;

/**
 * What the apiserver holds for the namespace's IPPools, kept by list + watch, relisted every
 * `resyncIntervalMs` and after a watch ends (informers can stall silently).
 *
 * Each pool has a version counter that moves whenever news about it arrives, so a writer can
 * tell whether its write response is still the latest word (`setIfUnchanged`). Echoes of our
 * own writes are recognised by resourceVersion and ignored: the same version as the mirror holds,
 * or an older one of ours arriving after a newer write.
 */
export function createIPPoolMirror(options: IPPoolMirrorOptions) {
  const { store } = options;
  const objects = new Map<string, StoredIPPool>();
  const versions = new Map<string, number>();
  const written = new Map<string, string[]>();
  let generation = 0;
  let listed = false;
  let watch: { stop(): void } | undefined;
  let resync: ReturnType<typeof setInterval> | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;

  const bump = (name: string): void => void versions.set(name, (versions.get(name) ?? 0) + 1);

  /** True when `object` tells nothing new: the version we hold, or an older write of ours. */
  function isEcho(object: StoredIPPool): boolean {
    const { name, resourceVersion } = object.metadata;
    if (objects.get(name)?.metadata.resourceVersion === resourceVersion) return true;
    const ours = written.get(name) ?? [];
    return ours.includes(resourceVersion) && ours.at(-1) !== resourceVersion;
  }

  function observe(type: WatchEventType, object: StoredIPPool): void {
    const { name } = object.metadata;
    if (type === "BOOKMARK" || (type !== "DELETED" && isEcho(object))) return;
    bump(name);
    if (type === "DELETED") objects.delete(name);
    else objects.set(name, object);
    options.onChange(name, type === "DELETED" ? undefined : object);
  }

  async function relist(mine: number): Promise<void> {
    const { items, resourceVersion } = await store.list();
    if (mine !== generation) return;
    const seen = new Set(items.map((item) => item.metadata.name));
    for (const name of [...objects.keys()]) if (!seen.has(name)) observe("DELETED", objects.get(name) as StoredIPPool);
    for (const item of items) observe("MODIFIED", item);
    listed = true;
    options.onListed();
    const handle = await store.watch(
      resourceVersion,
      (type, object) => mine === generation && observe(type, object),
      (error) => {
        if (mine !== generation) return;
        if (error) options.onError(error);
        restartLater();
      },
    );
    if (mine === generation) watch = handle;
    else handle.stop();
  }

  function restart(): void {
    clearTimeout(retry);
    watch?.stop();
    watch = undefined;
    const mine = ++generation;
    relist(mine).catch((error: unknown) => {
      if (mine !== generation) return;
      options.onError(error);
      restartLater();
    });
  }

  function restartLater(): void {
    clearTimeout(retry);
    retry = setTimeout(restart, options.retryDelayMs);
  }

  return {
    /** Lists and watches (in the background; `ready()` says when the first list is in), and relists every `resyncIntervalMs`. */
    start(): void {
      listed = false;
      clearInterval(resync);
      resync = setInterval(restart, options.resyncIntervalMs);
      restart();
    },
    stop(): void {
      generation += 1;
      clearInterval(resync);
      clearTimeout(retry);
      resync = undefined;
      watch?.stop();
      watch = undefined;
    },
    ready: (): boolean => listed,
    get: (name: string): StoredIPPool | undefined => objects.get(name),
    /** The pool's news counter, to pass back to `setIfUnchanged`. */
    version: (name: string): number => versions.get(name) ?? 0,
    /** Records what a read returned (`undefined`: it does not exist). */
    set(name: string, object: StoredIPPool | undefined): void {
      bump(name);
      if (object) objects.set(name, object);
      else objects.delete(name);
    },
    /**
     * Records our own write's result, unless other news about the pool arrived since `version`
     * (then the mirror keeps that news and this returns false so the caller looks again).
     */
    setIfUnchanged(name: string, stored: StoredIPPool, version: number): boolean {
      const ours = [...(written.get(name) ?? []), stored.metadata.resourceVersion].slice(-WRITTEN_MEMORY);
      written.set(name, ours);
      const held = objects.get(name);
      if ((versions.get(name) ?? 0) !== version && held?.metadata.resourceVersion !== stored.metadata.resourceVersion) {
        return false;
      }
      bump(name);
      objects.set(name, stored);
      return true;
    },
  };
}

export type IPPoolMirror = ReturnType<typeof createIPPoolMirror>;
