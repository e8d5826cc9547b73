import { request, type RequestOptions } from "node:https";
import { KubeConfig } from "@kubernetes/client-node";
import type { KubeObject } from "./deployManifests.js";

/** An apiserver answer: status, parsed JSON body, and the `Warning` headers it sent. */
export interface KubeAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly warnings: readonly string[];
}

export type Headers = Record<string, string | string[]>;

/**
 * Raw HTTPS to the apiserver with the kubeconfig's credentials, so manifests go to the server
 * exactly as parsed (no client-side model drops a field) and any header (impersonation,
 * server-side apply) can be set. Resource paths come from the server's discovery.
 *
 * @example
 *   const kube = await connectKube("/tmp/ipledger-kube/kubeconfig");
 *   const { status } = await kube.send("GET", "/api/v1/namespaces");
 */
export async function connectKube(kubeconfig: string) {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const server = new URL(kc.getCurrentCluster()?.server ?? "");
  const options: RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  const discovered = new Map<string, Map<string, { name: string; namespaced: boolean }>>();

  /** One request; a 429 (e.g. a new CRD's storage still initializing) is retried for up to 10 s. */
  async function send(method: string, path: string, body?: unknown, headers: Headers = {}): Promise<KubeAnswer> {
    for (let waited = 0; ; waited += 200) {
      const answer = await once(method, path, body, headers);
      if (answer.status !== 429 || waited >= 10_000) return answer;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  function once(method: string, path: string, body: unknown, headers: Headers): Promise<KubeAnswer> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const outgoing = request(
        {
          ...options,
          host: server.hostname,
          port: server.port,
          method,
          path,
          headers: {
            ...(options.headers as Headers),
            accept: "application/json",
            ...(payload ? { "content-type": "application/json" } : {}),
            ...headers,
          },
          timeout: 15_000,
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
          incoming.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            const warning = incoming.headers["warning"];
            resolve({
              status: incoming.statusCode ?? 0,
              body: text.startsWith("{") ? (JSON.parse(text) as Record<string, unknown>) : { text },
              warnings: warning === undefined ? [] : Array.isArray(warning) ? warning : [warning],
            });
          });
        },
      );
      outgoing.on("timeout", () => outgoing.destroy(new Error(`${method} ${path}: no answer in 15 s`)));
      outgoing.on("error", reject);
      outgoing.end(payload);
    });
  }

  /** Kind → plural and scope for one apiVersion, from discovery (cached; re-read when asked). */
  async function resourcesOf(apiVersion: string, refresh = false) {
    const cached = discovered.get(apiVersion);
    if (cached && !refresh) return cached;
    const answer = await send("GET", apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`);
    if (answer.status !== 200)
      throw new Error(`discovery of ${apiVersion}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
    const kinds = new Map<string, { name: string; namespaced: boolean }>();
    for (const resource of answer.body.resources as { name: string; kind: string; namespaced: boolean }[]) {
      if (!resource.name.includes("/"))
        kinds.set(resource.kind, { name: resource.name, namespaced: resource.namespaced });
    }
    discovered.set(apiVersion, kinds);
    return kinds;
  }

  /** The collection path of an object (`/apis/apps/v1/namespaces/ns/daemonsets`) and whether it is namespaced. */
  async function collectionOf(object: KubeObject, namespace?: string): Promise<{ path: string; namespaced: boolean }> {
    const resource =
      (await resourcesOf(object.apiVersion)).get(object.kind) ??
      (await resourcesOf(object.apiVersion, true)).get(object.kind);
    if (!resource) throw new Error(`the apiserver serves no ${object.kind} in ${object.apiVersion}`);
    const root = object.apiVersion.includes("/") ? `/apis/${object.apiVersion}` : `/api/${object.apiVersion}`;
    const ns = object.metadata.namespace ?? namespace;
    if (resource.namespaced && !ns) throw new Error(`${object.kind} ${object.metadata.name} needs a namespace`);
    return {
      path: resource.namespaced ? `${root}/namespaces/${ns}/${resource.name}` : `${root}/${resource.name}`,
      namespaced: resource.namespaced,
    };
  }

  return { send, collectionOf };
}

export type Kube = Awaited<ReturnType<typeof connectKube>>;

/** Headers that make an admin request act as a ServiceAccount (RBAC sees its user and groups). */
export function impersonating(namespace: string, serviceAccount: string): Headers {
  return {
    "Impersonate-User": `system:serviceaccount:${namespace}:${serviceAccount}`,
    "Impersonate-Group": ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
  };
}
