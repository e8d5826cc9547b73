import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { loadYaml } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { toYaml } from "../../../../projections/kubernetes/manifestYaml.js";
import { WHEREABOUTS_CRDS } from "../../../../projections/kubernetes/whereaboutsCrds.js";

const HEADER =
  "# Generated from projections/kubernetes/whereaboutsCrds.ts; update with\n# npx vitest run test/unit/projections/kubernetes/whereaboutsCrds.unit.test.ts -u\n";
const fileOf = (name: string) => fileURLToPath(new URL(`../../../../deploy/crds/${name}`, import.meta.url));

describe("deploy/crds", () => {
  it.each(WHEREABOUTS_CRDS.map(({ file, crd }) => ({ file, crd })))(
    "$file is the YAML of the CRD --install-crds installs",
    async ({ file, crd }) => {
      await expect(toYaml(crd, HEADER)).toMatchFileSnapshot(fileOf(file));
    },
  );

  it.each(WHEREABOUTS_CRDS.map(({ file, crd }) => ({ file, crd })))(
    "$file parses back (client-node's YAML reader) to the same CRD",
    ({ file, crd }) => {
      const parsed = loadYaml<{
        metadata: { name: string };
        spec: { group: string; scope: string; versions: { name: string; schema: { openAPIV3Schema: unknown } }[] };
      }>(readFileSync(fileOf(file), "utf8"));
      expect(parsed.metadata.name).toBe(crd.metadata.name);
      expect(parsed.spec.group).toBe("whereabouts.cni.cncf.io");
      expect(parsed.spec.scope).toBe("Namespaced");
      expect(parsed.spec.versions.map((version) => version.name)).toEqual(["v1alpha1"]);
      expect(JSON.parse(JSON.stringify(parsed.spec.versions[0]?.schema.openAPIV3Schema))).toEqual(
        crd.spec.versions[0]?.schema.openAPIV3Schema,
      );
    },
  );
});

describe("toYaml", () => {
  it.each([
    { value: { a: 1, b: true, c: null }, yaml: "a: 1\nb: true\nc: null\n" },
    { value: { empty: {}, list: [] }, yaml: "empty: {}\nlist: []\n" },
    { value: { names: ["id", "podref"] }, yaml: "names:\n- id\n- podref\n" },
    { value: { versions: [{ name: "v1", served: true }] }, yaml: "versions:\n- name: v1\n  served: true\n" },
    {
      value: { text: "a: b, c", yes: "yes", num: "10", key_with: "x-y/z" },
      yaml: 'text: "a: b, c"\n"yes": "yes"\nnum: "10"\nkey_with: x-y/z\n',
    },
    { value: { nested: { deeper: { leaf: "v" } } }, yaml: "nested:\n  deeper:\n    leaf: v\n" },
  ])("writes $yaml", ({ value, yaml }) => {
    expect(toYaml(value)).toBe(yaml);
  });
});
