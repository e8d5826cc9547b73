import { ANNOTATION_PREFIX, type IPPoolObject } from "./ippoolObjects.js";
import type { StoredIPPool } from "./ippoolStore.js";

/**
 * Says who wrote an IPPool version (the projector's Lease identity). It is stamped on every write
 * but left out of comparisons, so a new leader does not rewrite pools that are already right.
 */
export const WRITTEN_BY_ANNOTATION = "ipledger.io/written-by";

/** The projection's own annotations on an object (ours by prefix), without `written-by`. */
function ownAnnotations(annotations: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(annotations ?? {}).filter(
      ([key]) => key.startsWith(ANNOTATION_PREFIX) && key !== WRITTEN_BY_ANNOTATION,
    ),
  );
}

function sameRecord(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): boolean {
  const keys = Object.keys(a);
  return (
    keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]))
  );
}

/** Deep equality of JSON values, ignoring the order of object keys. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((item, index) => sameJson(item, b[index]));
  return sameRecord(a as Record<string, unknown>, b as Record<string, unknown>);
}

/**
 * True when `current` already says what `desired` says: the same spec, our labels with our
 * values, and exactly our annotations. Foreign labels and annotations do not matter.
 */
export function sameContent(current: StoredIPPool, desired: IPPoolObject): boolean {
  if (!sameJson(current.spec ?? {}, desired.spec)) return false;
  const labels = current.metadata.labels ?? {};
  if (!Object.entries(desired.metadata.labels).every(([key, value]) => labels[key] === value)) return false;
  return sameRecord(ownAnnotations(current.metadata.annotations), desired.metadata.annotations);
}

/**
 * The object to send in a conditional replace: `current`'s identity, resourceVersion and foreign
 * metadata, with `desired`'s spec, labels and annotations (stale ones of ours removed) and the
 * writer stamped. `managedFields` is left out so the apiserver keeps tracking them itself.
 */
export function mergeForReplace(current: StoredIPPool, desired: IPPoolObject, writer: string): StoredIPPool {
  const { managedFields: _managedFields, ...metadata } = current.metadata;
  const foreign = Object.fromEntries(
    Object.entries(current.metadata.annotations ?? {}).filter(([key]) => !key.startsWith(ANNOTATION_PREFIX)),
  );
  return {
    apiVersion: desired.apiVersion,
    kind: desired.kind,
    metadata: {
      ...metadata,
      name: desired.metadata.name,
      resourceVersion: current.metadata.resourceVersion,
      labels: { ...current.metadata.labels, ...desired.metadata.labels },
      annotations: { ...foreign, ...desired.metadata.annotations, [WRITTEN_BY_ANNOTATION]: writer },
    },
    spec: desired.spec,
  };
}

/** `desired` as a new object, stamped with its writer. */
export function stampForCreate(desired: IPPoolObject, writer: string): IPPoolObject {
  return {
    ...desired,
    metadata: {
      ...desired.metadata,
      annotations: { ...desired.metadata.annotations, [WRITTEN_BY_ANNOTATION]: writer },
    },
  };
}
