import ipaddr from "ipaddr.js";
import { describe, expect, it } from "vitest";
import { parseCniRequest, type CniRequestBody } from "../../../src/cni/cniRequest.js";
import { field, loadManifests, type Manifest } from "../../support/deploy/deployManifests.js";
import { networksOf, poolClaims, requestedClaims } from "../../support/deploy/exampleClaims.js";

// Every NetworkAttachmentDefinition of deploy/examples goes through ipledger's own config parser
// (parseCniRequest: the agent's, flat files included) and must yield exactly the pools its
// `# pool:` comments claim; every example's workload must select its NADs.

const examples = loadManifests("examples");
const nads = examples.filter(({ object }) => object.kind === "NetworkAttachmentDefinition");
const byFile = new Map<string, Manifest[]>();
for (const manifest of examples) byFile.set(manifest.file, [...(byFile.get(manifest.file) ?? []), manifest]);

function parse(nad: Manifest, runtimeConfig?: Record<string, unknown>) {
  const body: CniRequestBody = {
    config: JSON.parse(field<string>(nad.object, "spec.config")),
    containerId: "",
    ifName: "",
    netns: "",
    args: "",
    ...(runtimeConfig ? { runtimeConfig } : {}),
  };
  return parseCniRequest(body, { node: "node-1", needsAttachment: false });
}

describe("deploy/examples", () => {
  it("has one file per tutorial scenario, each with a NAD and a workload", () => {
    expect([...byFile.keys()]).toEqual([
      "examples/01-macvlan-basic.yaml",
      "examples/02-specific-ip.yaml",
      "examples/03-statefulset-sticky.yaml",
      "examples/04-exclusions.yaml",
      "examples/05-production-staging.yaml",
      "examples/06-egress-firewall.yaml",
    ]);
    for (const [file, manifests] of byFile) {
      expect(
        manifests.some(({ object }) => object.kind === "NetworkAttachmentDefinition"),
        file,
      ).toBe(true);
      expect(
        manifests.some(({ object }) => networksOf(object).length > 0),
        file,
      ).toBe(true);
    }
  });

  it.each(nads.map((nad) => ({ name: nad.object.metadata.name, nad })))(
    "$name: ipledger's parser yields exactly the pools its comment claims",
    async ({ nad }) => {
      const claims = poolClaims(nad.comments);
      expect(claims.length).toBeGreaterThan(0);
      const parsed = await parse(nad);
      expect(parsed.ipam.type).toBe("ipledger");
      expect(parsed.networkName).toBe(nad.object.metadata.name);
      const pools = parsed.targets.map((target) => ({
        pool: target.pool,
        window: `${target.definition.start}-${target.definition.end}`,
        domain: target.domain,
        exclude: target.definition.exclude,
        gateway: target.definition.gateway,
        cooldown: target.definition.reuseCooldownSeconds,
      }));
      expect(pools).toEqual(claims);
    },
  );

  it.each([...byFile].map(([file, manifests]) => ({ file, manifests })))(
    "$file: every workload selects a NAD of its file, and every NAD is used",
    ({ manifests }) => {
      const defined = new Set(
        manifests
          .filter(({ object }) => object.kind === "NetworkAttachmentDefinition")
          .map(({ object }) => object.metadata.name),
      );
      const used = new Set(manifests.flatMap(({ object }) => networksOf(object).map((network) => network.name)));
      expect([...used].filter((name) => !defined.has(name))).toEqual([]);
      expect([...defined].filter((name) => !used.has(name))).toEqual([]);
    },
  );

  it("the specific-IP pod's requested address is what its comment claims, and inside its NAD's range", async () => {
    const pods = examples.filter(({ object }) => networksOf(object).some((network) => network.ips));
    expect(pods.map(({ file }) => file)).toEqual(["examples/02-specific-ip.yaml"]);
    for (const pod of pods) {
      for (const network of networksOf(pod.object).filter((selection) => selection.ips)) {
        const nad = nads.find(({ object }) => object.metadata.name === network.name) as Manifest;
        expect(JSON.parse(field<string>(nad.object, "spec.config")).capabilities).toEqual({ ips: true });
        const parsed = await parse(nad, { ips: network.ips });
        expect(parsed.requested).toEqual(requestedClaims(pod.comments));
        for (const ip of parsed.requested) {
          expect(
            parsed.targets.some((target) => ipaddr.parse(ip).match(ipaddr.parseCIDR(target.definition.range))),
            ip,
          ).toBe(true);
        }
      }
    }
  });
});
