import type { KubeObject } from "./deployManifests.js";

/**
 * Minimal copies of the CRDs that `deploy/examples` and `deploy/monitoring` need and that Multus
 * and prometheus-operator install in a real cluster, so the test apiserver can validate those
 * manifests. Each keeps the real schema's structure for the fields ipledger's manifests use, so
 * strict validation still catches a misspelt field.
 */

const string = { type: "string" } as const;
const stringMap = { type: "object", additionalProperties: { type: "string" } } as const;

function crd(group: string, version: string, kind: string, plural: string, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: "Namespaced",
      names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase() },
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: "object",
              properties: {
                apiVersion: string,
                kind: string,
                metadata: { type: "object" },
                spec: { type: "object", ...spec },
              },
            },
          },
        },
      ],
    },
  };
}

/** Multus' NetworkAttachmentDefinition (k8snetworkplumbingwg): `spec.config` is the CNI config as a JSON string. */
export const NAD_CRD = crd("k8s.cni.cncf.io", "v1", "NetworkAttachmentDefinition", "network-attachment-definitions", {
  properties: { config: string },
});

/** prometheus-operator's PrometheusRule, groups and rules only. */
export const PROMETHEUS_RULE_CRD = crd("monitoring.coreos.com", "v1", "PrometheusRule", "prometheusrules", {
  properties: {
    groups: {
      type: "array",
      items: {
        type: "object",
        required: ["name"],
        properties: {
          name: string,
          interval: string,
          limit: { type: "integer" },
          rules: {
            type: "array",
            items: {
              type: "object",
              required: ["expr"],
              properties: {
                alert: string,
                record: string,
                expr: { "x-kubernetes-int-or-string": true },
                for: string,
                keep_firing_for: string,
                labels: stringMap,
                annotations: stringMap,
              },
            },
          },
        },
      },
    },
  },
});
