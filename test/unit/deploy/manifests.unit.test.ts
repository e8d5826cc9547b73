import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadAllYaml } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { PROJECTOR_RULES } from "../../../src/kube/projectorRbac.js";
import { IMPORT_RULES, RECONCILER_RULES } from "../../../src/kube/reconcileRbac.js";
import {
  DEPLOY_DIR,
  field,
  loadManifestFile,
  loadManifests,
  manifestFiles,
  manifestOf,
  podSpecOf,
  type KubeObject,
} from "../../support/deploy/deployManifests.js";
import { parseYamlDocuments } from "../../support/deploy/yamlSubset.js";

const manifests = loadManifests();
const VERSION = (JSON.parse(readFileSync(join(DEPLOY_DIR, "..", "package.json"), "utf8")) as { version: string })
  .version;
/** Objects compared by content: keys sorted, so key order does not matter. */
const canonical = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(canonical)
    : value !== null && typeof value === "object"
      ? Object.fromEntries(
          Object.entries(value)
            .filter(([, inner]) => inner !== undefined)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([key, inner]) => [key, canonical(inner)]),
        )
      : value;
const same = (objects: readonly unknown[]): string[] =>
  objects.map((object) => JSON.stringify(canonical(JSON.parse(JSON.stringify(object))))).sort();
const rulesOf = (kind: string, name: string) => field<unknown[]>(manifestOf(manifests, kind, name).object, "rules");
const plain = (rules: readonly unknown[]) => JSON.parse(JSON.stringify(rules)) as unknown[];
const ipledgerWorkloads = manifests.filter(
  ({ file, object }) => !file.startsWith("examples/") && podSpecOf(object) !== undefined,
);

describe("deploy/ manifests", () => {
  it.each(manifestFiles())(
    "%s reads the same with client-node's YAML reader, whose API models drop unknown fields",
    (file) => {
      const theirs = loadAllYaml(readFileSync(join(DEPLOY_DIR, file), "utf8"));
      expect(same(loadManifestFile(file).map(({ object }) => object))).toEqual(same(theirs));
    },
  );

  it("the kustomization lists every base manifest (all but examples/, migration/, monitoring/), and nothing else", () => {
    const kustomization = parseYamlDocuments(readFileSync(join(DEPLOY_DIR, "kustomization.yaml"), "utf8"))[0]
      ?.value as { resources: string[]; [key: string]: unknown };
    const base = manifestFiles().filter((file) => !/^(examples|migration|monitoring)\//.test(file));
    expect([...kustomization.resources].sort()).toEqual(base);
    expect(Object.keys(kustomization).sort()).toEqual(["apiVersion", "kind", "resources"]); // no transformer: applied objects = the files
  });

  // kubectl is the one built by test/services/node/build (.ci/run exports IPLEDGER_KUBECTL), or the
  // PATH's. Without it the case skips loudly outside CI; in CI it fails: CI must check kustomize.
  const kubectlBin = process.env.IPLEDGER_KUBECTL ?? "kubectl";
  const kubectl = spawnSync(kubectlBin, ["version", "--client"], { encoding: "utf8" }).status === 0;
  if (!kubectl && !process.env.CI)
    console.warn("SKIPPING kubectl kustomize: build kubectl with test/services/node/build and set IPLEDGER_KUBECTL");
  // Skips only outside CI without kubectl (warned above); with CI set a missing kubectl fails the case.
  it.skipIf(!kubectl && !process.env.CI)(
    "kubectl kustomize deploy/ builds exactly the objects of the listed files (skipped without kubectl)",
    () => {
      const built = spawnSync(kubectlBin, ["kustomize", DEPLOY_DIR], { encoding: "utf8" });
      expect(built.error, `CI is set and ${kubectlBin} cannot run: .ci/run builds it`).toBeUndefined();
      expect(built.stderr).toBe("");
      const base = manifests
        .filter(({ file }) => !/^(examples|migration|monitoring)\//.test(file))
        .map(({ object }) => object);
      // kustomize folds long strings into multi-line plain scalars, outside the subset; js-yaml reads them.
      expect(same(loadAllYaml(built.stdout))).toEqual(same(base));
    },
  );

  it("grants the projector, the reconciler and the import exactly the rules the code declares", () => {
    expect(rulesOf("Role", "ipledger-projector")).toEqual(plain(PROJECTOR_RULES));
    expect(rulesOf("ClusterRole", "ipledger-reconciler")).toEqual(plain(RECONCILER_RULES));
    expect([
      ...rulesOf("Role", "ipledger-import-whereabouts"),
      ...rulesOf("ClusterRole", "ipledger-import-pods"),
    ]).toEqual(plain(IMPORT_RULES));
  });

  it("gives the agent no Kubernetes identity: no token mounted, no binding names it", () => {
    expect(
      field(manifestOf(manifests, "ServiceAccount", "ipledger-agent").object, "automountServiceAccountToken"),
    ).toBe(false);
    expect(podSpecOf(manifestOf(manifests, "DaemonSet", "ipledger-agent").object)?.automountServiceAccountToken).toBe(
      false,
    );
    const subjects = manifests.flatMap(({ object }) => field<{ name: string }[] | undefined>(object, "subjects") ?? []);
    expect(subjects.map((subject) => subject.name)).not.toContain("ipledger-agent");
  });

  it.each(ipledgerWorkloads.map(({ file, object }) => ({ file, object })))(
    "$file: runs ipledger:<package version>, no host network, resources set, privileges dropped",
    ({ object }) => {
      const pod = podSpecOf(object as KubeObject);
      expect([pod?.hostNetwork, pod?.hostPID]).toEqual([undefined, undefined]);
      for (const container of [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])]) {
        expect(container.image, container.name).toBe(`ipledger:${VERSION}`);
        expect(container.resources?.requests?.memory, container.name).toBeDefined();
        expect(container.resources?.limits?.memory, container.name).toBeDefined();
        expect(container.securityContext, container.name).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ["ALL"] },
        });
        expect(container.securityContext?.privileged, container.name).toBeUndefined();
      }
    },
  );

  it.each(
    manifests
      .filter(({ object }) => podSpecOf(object))
      .map(({ file, object }) => ({ file, name: object.metadata.name, object })),
  )("$file $name: mounts only its own volumes, from ConfigMaps in deploy/ or optional Secrets", ({ object }) => {
    const pod = podSpecOf(object as KubeObject) as NonNullable<ReturnType<typeof podSpecOf>>;
    const volumes = new Set((pod.volumes ?? []).map((volume) => volume.name));
    for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
      for (const mount of container.volumeMounts ?? [])
        expect(volumes, `${container.name} mounts ${mount.name}`).toContain(mount.name);
      for (const source of container.envFrom ?? [])
        if (source.configMapRef) manifestOf(manifests, "ConfigMap", source.configMapRef.name);
    }
    for (const volume of pod.volumes ?? []) {
      if (volume.configMap) manifestOf(manifests, "ConfigMap", volume.configMap.name);
      if (volume.secret)
        expect(
          volume.secret.optional,
          `Secret ${volume.secret.secretName} is created by the operator, so it must be optional`,
        ).toBe(true);
    }
  });
});
