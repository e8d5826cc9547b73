import { existsSync } from "node:fs";
import { ApiException, CustomObjectsApi, KubeConfig, Watch } from "@kubernetes/client-node";
import { LedgerError } from "../../ledger/core/index.js";
import {
  IPPOOL_GROUP,
  IPPOOL_PLURAL,
  IPPOOL_VERSION,
  type IPPoolObject,
} from "../../projections/kubernetes/ippoolObjects.js";
import {
  IPPoolStoreError,
  type IPPoolStore,
  type StoredIPPool,
  type WatchEventType,
} from "../../projections/kubernetes/ippoolStore.js";

/**
 * The projector's connection to Kubernetes: loading a kubeconfig, reading HTTP statuses out of
 * client-node errors, and the `IPPoolStore` adapter over client-node 1.4's CustomObjectsApi and
 * Watch.
 */

/**
 * A kubeconfig from `path`, or the default chain (`$KUBECONFIG`, `~/.kube/config`, in-cluster
 * service account) when no path is given.
 *
 * @example const kc = loadKubeConfig("/etc/ipledger/projector.kubeconfig");
 */
export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  const invalid = (message: string, cause?: unknown) =>
    new LedgerError("INVALID_CONFIG", message, { key: "--kubeconfig", cause });
  if (path && !existsSync(path))
    throw invalid(`kubeconfig ${path} does not exist; pass --kubeconfig with a readable kubeconfig file`);
  try {
    if (path) kc.loadFromFile(path);
    else kc.loadFromDefault();
  } catch (error) {
    throw invalid(`kubeconfig ${path ?? "(default)"} cannot be read: ${(error as Error).message}`, error);
  }
  if (!kc.getCurrentCluster())
    throw invalid(
      `kubeconfig ${path ?? "(default)"} has no current cluster; set current-context or pass --kubeconfig with another file`,
    );
  return kc;
}

/** The HTTP status of a failed client-node call (ApiException, or a watch's error), if any. */
export function statusCodeOf(error: unknown): number | undefined {
  if (error instanceof ApiException) return error.code;
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === "number" ? status : undefined;
}

/** A one-line description of a client-node error, with the apiserver's message when there is one. */
export function describeKubeError(error: unknown): string {
  if (error instanceof ApiException) {
    const body = error.body as { message?: string } | string | undefined;
    const message =
      typeof body === "object" && body?.message ? body.message : typeof body === "string" ? body : error.message;
    return `HTTP ${error.code}: ${message}`;
  }
  return (error as Error)?.message ?? String(error);
}

function storeError(error: unknown, what: string): unknown {
  const status = statusCodeOf(error);
  if (status === 409) return new IPPoolStoreError("conflict", `${what}: ${describeKubeError(error)}`, { cause: error });
  if (status === 404)
    return new IPPoolStoreError("not-found", `${what}: ${describeKubeError(error)}`, { cause: error });
  return error;
}

/**
 * The IPPools of `namespace` through the Kubernetes API.
 *
 * @example
 *   const store = createKubeIPPoolStore(loadKubeConfig(), "kube-system");
 *   const { items } = await store.list();
 */
export function createKubeIPPoolStore(kc: KubeConfig, namespace: string): IPPoolStore {
  const api = kc.makeApiClient(CustomObjectsApi);
  const where = { group: IPPOOL_GROUP, version: IPPOOL_VERSION, namespace, plural: IPPOOL_PLURAL };
  const path = `/apis/${IPPOOL_GROUP}/${IPPOOL_VERSION}/namespaces/${encodeURIComponent(namespace)}/${IPPOOL_PLURAL}`;
  return {
    namespace,
    async list() {
      const list = (await api.listNamespacedCustomObject(where)) as {
        items?: StoredIPPool[];
        metadata?: { resourceVersion?: string };
      };
      return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? "" };
    },
    async get(name) {
      try {
        return (await api.getNamespacedCustomObject({ ...where, name })) as StoredIPPool;
      } catch (error) {
        if (statusCodeOf(error) === 404) return undefined;
        throw error;
      }
    },
    async create(object: IPPoolObject, fieldManager) {
      try {
        return (await api.createNamespacedCustomObject({ ...where, body: object, fieldManager })) as StoredIPPool;
      } catch (error) {
        throw storeError(error, `create IPPool ${namespace}/${object.metadata.name}`);
      }
    },
    async replace(object, fieldManager) {
      try {
        return (await api.replaceNamespacedCustomObject({
          ...where,
          name: object.metadata.name,
          body: object,
          fieldManager,
        })) as StoredIPPool;
      } catch (error) {
        throw storeError(error, `replace IPPool ${namespace}/${object.metadata.name}`);
      }
    },
    async watch(resourceVersion, onEvent, onDone) {
      let finished = false;
      const finish = (error?: unknown): void => {
        if (finished) return;
        finished = true;
        onDone(error ?? undefined);
      };
      const controller = await new Watch(kc).watch(
        path,
        { resourceVersion, allowWatchBookmarks: true },
        (type: string, object: StoredIPPool & { message?: string; code?: number }) => {
          if (finished) return;
          if (type === "ERROR") {
            // e.g. 410 Gone: the resourceVersion is too old; the caller relists.
            finish(
              Object.assign(new Error(`IPPool watch in ${namespace} ended: ${object.message ?? "error event"}`), {
                statusCode: object.code,
              }),
            );
            controller?.abort();
            return;
          }
          if (type === "ADDED" || type === "MODIFIED" || type === "DELETED" || type === "BOOKMARK")
            onEvent(type as WatchEventType, object);
        },
        (error: unknown) => finish(error),
      );
      return {
        stop(): void {
          finished = true;
          controller.abort();
        },
      };
    },
  };
}
