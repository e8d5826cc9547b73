import { afterAll, beforeAll, expect, it } from "vitest";
import { PROJECTOR_RULES } from "../../../src/kube/projectorRbac.js";
import { IMPORT_RULES, RECONCILER_RULES } from "../../../src/kube/reconcileRbac.js";
import { loadManifests } from "../../support/deploy/deployManifests.js";
import { connectKube, type Kube } from "../../support/deploy/kubeHttp.js";
import {
  createAll,
  describeAnswer,
  freshNames,
  removeAll,
  type Created,
  type TestNames,
} from "../../support/deploy/testInstall.js";
import { describeKube } from "../../support/kube/kubeService.js";

// The RBAC of deploy/ grants each ServiceAccount exactly the rules the code declares it needs
// (src/kube/*Rbac.ts), in the right scope, and nothing else: every verb on every resource ipledger
// touches (and a few it must never touch) is asked of the real RBAC authorizer with a
// SubjectAccessReview, in the role's namespace, in another one and cluster-wide.

type Rule = {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
};
/** Where a set of rules applies: one namespace (Role) or everywhere (ClusterRole + ClusterRoleBinding). */
type Grant = { readonly namespace?: string; readonly rules: readonly Rule[] };

const VERBS = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];
const RESOURCES: readonly [group: string, resource: string][] = [
  ["whereabouts.cni.cncf.io", "ippools"],
  ["whereabouts.cni.cncf.io", "overlappingrangeipreservations"],
  ["coordination.k8s.io", "leases"],
  ["", "pods"],
  ["", "events"],
  ["events.k8s.io", "events"],
  ["", "secrets"],
  ["", "configmaps"],
  ["", "nodes"],
  ["apiextensions.k8s.io", "customresourcedefinitions"],
  ["k8s.cni.cncf.io", "network-attachment-definitions"],
  ["rbac.authorization.k8s.io", "roles"],
];

/** What each ServiceAccount of deploy/ may do, straight from the code's declarations. */
function expectedGrants(names: TestNames): Record<string, readonly Grant[]> {
  const isWhereabouts = (rule: Rule) => rule.apiGroups.includes("whereabouts.cni.cncf.io");
  return {
    "ipledger-agent": [],
    "ipledger-projector": [{ namespace: names.namespace, rules: PROJECTOR_RULES }],
    "ipledger-reconciler": [{ rules: RECONCILER_RULES }],
    "ipledger-import": [
      { namespace: names.whereaboutsNamespace, rules: IMPORT_RULES.filter(isWhereabouts) },
      { rules: IMPORT_RULES.filter((rule) => !isWhereabouts(rule)) },
    ],
  };
}

function granted(grants: readonly Grant[], group: string, resource: string, verb: string, namespace: string): boolean {
  return grants.some(
    (grant) =>
      (grant.namespace === undefined || grant.namespace === namespace) &&
      grant.rules.some(
        (rule) => rule.apiGroups.includes(group) && rule.resources.includes(resource) && rule.verbs.includes(verb),
      ),
  );
}

describeKube("deploy/: RBAC gives each role exactly what it needs", (service) => {
  const names = freshNames("ipledger-rbac");
  let kube: Kube;
  let created: readonly Created[] = [];

  beforeAll(async () => {
    kube = await connectKube(service.kubeconfig);
    const wa = await kube.send("POST", "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: names.whereaboutsNamespace },
    });
    expect(wa.status, describeAnswer(wa)).toBe(201);
    const rbacKinds = new Set([
      "Namespace",
      "ServiceAccount",
      "Role",
      "RoleBinding",
      "ClusterRole",
      "ClusterRoleBinding",
    ]);
    const result = await createAll(
      kube,
      loadManifests().filter((manifest) => rbacKinds.has(manifest.object.kind)),
      names,
    );
    created = result.created;
    expect(
      result.answers
        .filter(({ answer }) => answer.status !== 201)
        .map(({ manifest, answer }) => `${manifest.file}: ${describeAnswer(answer)}`),
    ).toEqual([]);
  });

  afterAll(async () => {
    if (kube) await removeAll(kube, created, names);
  });

  async function allowed(
    serviceAccount: string,
    group: string,
    resource: string,
    verb: string,
    namespace: string,
  ): Promise<boolean> {
    const review = {
      apiVersion: "authorization.k8s.io/v1",
      kind: "SubjectAccessReview",
      spec: {
        user: `system:serviceaccount:${names.namespace}:${serviceAccount}`,
        groups: ["system:serviceaccounts", `system:serviceaccounts:${names.namespace}`, "system:authenticated"],
        resourceAttributes: { group, resource, verb, ...(namespace ? { namespace } : {}) },
      },
    };
    const answer = await kube.send("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", review);
    if (answer.status !== 201) throw new Error(`SubjectAccessReview: ${describeAnswer(answer)}`);
    return (answer.body.status as { allowed?: boolean }).allowed === true;
  }

  it.each(["ipledger-agent", "ipledger-projector", "ipledger-reconciler", "ipledger-import"])(
    "%s: allowed exactly its declared verbs, in its namespace, elsewhere and cluster-wide",
    async (serviceAccount) => {
      const grants = expectedGrants(names)[serviceAccount] ?? [];
      const cases = RESOURCES.flatMap(([group, resource]) =>
        VERBS.flatMap((verb) =>
          [names.namespace, names.whereaboutsNamespace, ""].map((namespace) => ({ group, resource, verb, namespace })),
        ),
      );
      const wrong: string[] = [];
      for (let start = 0; start < cases.length; start += 24) {
        await Promise.all(
          cases.slice(start, start + 24).map(async ({ group, resource, verb, namespace }) => {
            const expected = granted(grants, group, resource, verb, namespace);
            if ((await allowed(serviceAccount, group, resource, verb, namespace)) !== expected) {
              wrong.push(
                `${expected ? "denied" : "ALLOWED"}: ${verb} ${group || "core"}/${resource} in ${namespace || "all namespaces"}`,
              );
            }
          }),
        );
      }
      expect(wrong.sort()).toEqual([]);
    },
  );

  it("denies the spot checks the design promises", async () => {
    expect(await allowed("ipledger-agent", "", "pods", "get", names.namespace)).toBe(false);
    expect(await allowed("ipledger-projector", "", "pods", "delete", names.namespace)).toBe(false);
    expect(
      await allowed("ipledger-projector", "whereabouts.cni.cncf.io", "ippools", "update", names.whereaboutsNamespace),
    ).toBe(false);
    expect(await allowed("ipledger-reconciler", "whereabouts.cni.cncf.io", "ippools", "update", names.namespace)).toBe(
      false,
    );
    expect(await allowed("ipledger-reconciler", "", "pods", "delete", names.namespace)).toBe(false);
    expect(
      await allowed("ipledger-import", "whereabouts.cni.cncf.io", "ippools", "create", names.whereaboutsNamespace),
    ).toBe(false);
    // and grants what each needs
    expect(await allowed("ipledger-projector", "coordination.k8s.io", "leases", "update", names.namespace)).toBe(true);
    expect(await allowed("ipledger-reconciler", "", "pods", "watch", "")).toBe(true);
    expect(await allowed("ipledger-reconciler", "", "events", "create", names.whereaboutsNamespace)).toBe(true);
  });
});
