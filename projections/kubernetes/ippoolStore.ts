import type { IPPoolObject } from "./ippoolObjects.js";

/**
 * The small part of the Kubernetes API the IPPool applier uses, for one namespace. The adapter
 * (`src/kube/kubeClient.ts`) implements it with @kubernetes/client-node; tests may implement it
 * in memory. Objects are plain JSON as the apiserver sends them.
 */

/** An IPPool as stored: whatever the apiserver returned, with its resourceVersion. */
export interface StoredIPPool {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly resourceVersion: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly [key: string]: unknown;
  };
  readonly spec?: { readonly range?: string; readonly allocations?: Readonly<Record<string, unknown>> };
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";

/** Why a store call failed in a way the applier handles: 409 (stale RV, exists) or 404. */
export class IPPoolStoreError extends Error {
  constructor(
    readonly reason: "conflict" | "not-found",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "IPPoolStoreError";
  }
}

export interface IPPoolStore {
  /** The namespace this store reads and writes. */
  readonly namespace: string;
  /** Every IPPool of the namespace, and the list's resourceVersion to watch from. */
  list(): Promise<{ items: StoredIPPool[]; resourceVersion: string }>;
  /** One IPPool; `undefined` when it does not exist. */
  get(name: string): Promise<StoredIPPool | undefined>;
  /** Creates it; `IPPoolStoreError("conflict")` when it already exists. */
  create(object: IPPoolObject, fieldManager: string): Promise<StoredIPPool>;
  /**
   * Replaces it, conditional on `object.metadata.resourceVersion`: `IPPoolStoreError("conflict")`
   * when someone wrote it since, `("not-found")` when it was deleted.
   */
  replace(object: StoredIPPool, fieldManager: string): Promise<StoredIPPool>;
  /**
   * Watches the namespace's IPPools from `resourceVersion`. `onDone` is called once when the
   * watch ends for any reason (error, server close, `stop()`).
   */
  watch(
    resourceVersion: string,
    onEvent: (type: WatchEventType, object: StoredIPPool) => void,
    onDone: (error?: unknown) => void,
  ): Promise<{ stop(): void }>;
}
