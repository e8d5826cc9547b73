import { ApiextensionsV1Api, type KubeConfig, type V1CustomResourceDefinition } from "@kubernetes/client-node";
import { WHEREABOUTS_CRDS, type CrdManifest } from "../../projections/kubernetes/whereaboutsCrds.js";
import { describeKubeError, statusCodeOf } from "./kubeClient.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function createOrUpdate(api: ApiextensionsV1Api, crd: CrdManifest): Promise<"created" | "updated"> {
  const name = crd.metadata.name;
  for (let attempt = 0; ; attempt += 1) {
    let existing: V1CustomResourceDefinition | undefined;
    try {
      existing = await api.readCustomResourceDefinition({ name });
    } catch (error) {
      if (statusCodeOf(error) !== 404) throw error;
    }
    try {
      if (!existing) {
        await api.createCustomResourceDefinition({
          body: crd as unknown as V1CustomResourceDefinition,
          fieldManager: "ipledger",
        });
        return "created";
      }
      // Our spec over theirs (e.g. Whereabouts' own install), conditional on what we read.
      const body = {
        ...crd,
        metadata: { ...crd.metadata, resourceVersion: existing.metadata?.resourceVersion },
      } as unknown as V1CustomResourceDefinition;
      await api.replaceCustomResourceDefinition({ name, body, fieldManager: "ipledger" });
      return "updated";
    } catch (error) {
      if (statusCodeOf(error) !== 409 || attempt >= 5)
        throw new Error(`cannot install CRD ${name}: ${describeKubeError(error)}`, { cause: error });
    }
  }
}

async function waitEstablished(api: ApiextensionsV1Api, name: string, deadline: number): Promise<void> {
  for (;;) {
    const crd = await api.readCustomResourceDefinition({ name });
    const established = crd.status?.conditions?.some(
      (condition) => condition.type === "Established" && condition.status === "True",
    );
    if (established) return;
    if (Date.now() > deadline)
      throw new Error(
        `CRD ${name} was installed but is not Established yet; look at its status conditions (kubectl get crd ${name} -o yaml)`,
      );
    await sleep(100);
  }
}

/**
 * Creates or updates the IPPool and OverlappingRangeIPReservation CRDs (the objects behind
 * `deploy/crds/*.yaml`) and waits until both are Established. Needs cluster-scoped
 * get/create/update on `customresourcedefinitions`.
 *
 * @example
 *   await installWhereaboutsCrds(kc); // [{ name: "ippools.whereabouts.cni.cncf.io", action: "created" }, ...]
 */
export async function installWhereaboutsCrds(
  kc: KubeConfig,
  options: { timeoutMs?: number } = {},
): Promise<{ name: string; action: "created" | "updated" }[]> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const results: { name: string; action: "created" | "updated" }[] = [];
  for (const { crd } of WHEREABOUTS_CRDS)
    results.push({ name: crd.metadata.name, action: await createOrUpdate(api, crd) });
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (const { name } of results) await waitEstablished(api, name, deadline);
  return results;
}
