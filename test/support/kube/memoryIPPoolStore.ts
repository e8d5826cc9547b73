import type { IPPoolObject } from "../../../projections/kubernetes/ippoolObjects.js";
import {
  IPPoolStoreError,
  type IPPoolStore,
  type StoredIPPool,
  type WatchEventType,
} from "../../../projections/kubernetes/ippoolStore.js";

type Watcher = (type: WatchEventType, object: StoredIPPool) => void;

/**
 * An in-memory IPPoolStore for unit tests of the applier: resourceVersions from one counter,
 * conditional replace, watch events delivered on the next tick, and hooks for "someone else"
 * (hand edits, deletions) and for counting requests. The int tests use the real apiserver.
 */
export function createMemoryIPPoolStore(namespace = "test") {
  const objects = new Map<string, StoredIPPool>();
  const watchers = new Set<Watcher>();
  const requests = { list: 0, get: 0, create: 0, replace: 0, refused: 0 };
  let revision = 0;
  /** Runs before a write is applied: lets a test slip a rival write in between read and write. */
  let beforeWrite: ((name: string) => void) | undefined;

  const publish = (type: WatchEventType, object: StoredIPPool): void => {
    const copy = structuredClone(object);
    setImmediate(() => watchers.forEach((watcher) => watcher(type, copy)));
  };
  const put = (
    object: Omit<StoredIPPool, "metadata"> & {
      metadata: Omit<StoredIPPool["metadata"], "resourceVersion"> & { resourceVersion?: string };
    },
    type: WatchEventType,
  ): StoredIPPool => {
    const stored = structuredClone({
      ...object,
      metadata: { ...object.metadata, namespace, resourceVersion: String(++revision) },
    }) as StoredIPPool;
    objects.set(stored.metadata.name, stored);
    publish(type, stored);
    return structuredClone(stored);
  };

  const store: IPPoolStore = {
    namespace,
    async list() {
      requests.list += 1;
      return {
        items: [...objects.values()].map((object) => structuredClone(object)),
        resourceVersion: String(revision),
      };
    },
    async get(name) {
      requests.get += 1;
      const object = objects.get(name);
      return object && structuredClone(object);
    },
    async create(object: IPPoolObject) {
      requests.create += 1;
      beforeWrite?.(object.metadata.name);
      if (objects.has(object.metadata.name)) {
        requests.refused += 1;
        throw new IPPoolStoreError("conflict", `${object.metadata.name} already exists`);
      }
      return put(object, "ADDED");
    },
    async replace(object) {
      requests.replace += 1;
      beforeWrite?.(object.metadata.name);
      const current = objects.get(object.metadata.name);
      if (!current) {
        requests.refused += 1;
        throw new IPPoolStoreError("not-found", `${object.metadata.name} not found`);
      }
      if (current.metadata.resourceVersion !== object.metadata.resourceVersion) {
        requests.refused += 1;
        throw new IPPoolStoreError("conflict", `${object.metadata.name} was modified`);
      }
      return put(object, "MODIFIED");
    },
    async watch(_resourceVersion, onEvent, onDone) {
      watchers.add(onEvent);
      return {
        stop() {
          if (watchers.delete(onEvent)) onDone();
        },
      };
    },
  };

  return {
    store,
    requests,
    objects,
    /** Someone else edits `name` (a hand edit: kubectl edit). */
    edit(name: string, change: (object: StoredIPPool) => StoredIPPool): void {
      const current = objects.get(name);
      if (!current) throw new Error(`no ${name} to edit`);
      put(change(structuredClone(current)), "MODIFIED");
    },
    /** Someone else deletes `name` (kubectl delete). */
    remove(name: string): void {
      const current = objects.get(name);
      if (!current) throw new Error(`no ${name} to delete`);
      objects.delete(name);
      publish("DELETED", { ...current, metadata: { ...current.metadata, resourceVersion: String(++revision) } });
    },
    setBeforeWrite(hook: ((name: string) => void) | undefined): void {
      beforeWrite = hook;
    },
    /** Writes that the store applied (creates and replaces that were not refused). */
    writes: () => requests.create + requests.replace - requests.refused,
  };
}
