import { IPPOOL_GROUP, IPPOOL_VERSION } from "./ippoolObjects.js";

/**
 * The two Whereabouts custom resource definitions ipledger needs, as plain objects. They are the
 * source of `deploy/crds/*.yaml` (a unit test checks the files match) and of
 * `ipledger project-kubernetes --install-crds`. The schemas accept what Whereabouts writes and
 * reads: Namespaced, `v1alpha1` only, no status subresource, no printer columns.
 */

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A `CustomResourceDefinition` as plain JSON (what the apiserver receives). */
export interface CrdManifest {
  readonly apiVersion: "apiextensions.k8s.io/v1";
  readonly kind: "CustomResourceDefinition";
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly group: string;
    readonly names: {
      readonly kind: string;
      readonly listKind: string;
      readonly plural: string;
      readonly singular: string;
    };
    readonly scope: "Namespaced";
    readonly versions: readonly {
      readonly name: string;
      readonly served: boolean;
      readonly storage: boolean;
      readonly schema: { readonly openAPIV3Schema: Json };
    }[];
  };
}

const typeMeta = {
  apiVersion: { type: "string", description: "The versioned schema of this representation of an object." },
  kind: { type: "string", description: "The REST resource this object represents." },
  metadata: { type: "object" },
} satisfies Record<string, Json>;

function crd(kind: string, plural: string, description: string, spec: Json, specRequired: boolean): CrdManifest {
  const root = {
    type: "object",
    description,
    properties: { ...typeMeta, spec },
    ...(specRequired ? { required: ["spec"] } : {}),
  };
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${IPPOOL_GROUP}` },
    spec: {
      group: IPPOOL_GROUP,
      names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase() },
      scope: "Namespaced",
      versions: [
        {
          name: IPPOOL_VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: root },
        },
      ],
    },
  };
}

export const IPPOOL_CRD = crd(
  "IPPool",
  "ippools",
  "IPPool holds the allocations of one IP range (one Whereabouts pool).",
  {
    type: "object",
    description: "The range and the addresses allocated in it.",
    required: ["allocations", "range"],
    properties: {
      range: { type: "string", description: "The range in CIDR notation, network form (e.g. 192.168.2.0/24)." },
      allocations: {
        type: "object",
        description:
          "Allocated addresses, keyed by the decimal offset of the address from the network address of range.",
        additionalProperties: {
          type: "object",
          description: "The owner of one allocated address.",
          required: ["id", "podref"],
          properties: {
            id: { type: "string", description: "The container ID the address was allocated to." },
            podref: { type: "string", description: "The pod, as namespace/name." },
            ifname: { type: "string", description: "The interface inside the pod." },
          },
        },
      },
    },
  },
  false,
); // Whereabouts' IPPool schema does not require spec at the top; its ORIP schema does

export const OVERLAPPING_RANGE_CRD = crd(
  "OverlappingRangeIPReservation",
  "overlappingrangeipreservations",
  "OverlappingRangeIPReservation reserves one address across every range that contains it.",
  {
    type: "object",
    description: "The owner of the reserved address.",
    required: ["podref"],
    properties: {
      podref: { type: "string", description: "The pod, as namespace/name." },
      ifname: { type: "string", description: "The interface inside the pod." },
      containerid: { type: "string", description: "The container ID the address was allocated to." },
    },
  },
  true,
);

/** Each CRD with the file under `deploy/crds/` that holds it as YAML. */
export const WHEREABOUTS_CRDS: readonly { readonly file: string; readonly crd: CrdManifest }[] = [
  { file: "ippools.yaml", crd: IPPOOL_CRD },
  { file: "overlappingrangeipreservations.yaml", crd: OVERLAPPING_RANGE_CRD },
];
