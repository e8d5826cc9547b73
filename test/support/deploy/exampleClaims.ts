import type { KubeObject } from "./deployManifests.js";
import { field, podSpecOf } from "./deployManifests.js";

/**
 * The claims the examples' comments make, in the parseable form `deploy/examples/README.md`
 * describes, and the networks their workloads ask Multus for.
 */

/** A pool as an example claims it: `pool: NAME window FIRST-LAST [domain D] [exclude A,B] [gateway G] [cooldown S]`. */
export interface PoolClaim {
  readonly pool: string;
  readonly window: string;
  readonly domain: string;
  readonly exclude: readonly string[];
  readonly gateway: string | undefined;
  readonly cooldown: number;
}

/** Every `pool:` comment of a document, in order; an unknown or malformed field throws. */
export function poolClaims(comments: readonly string[]): PoolClaim[] {
  return comments
    .filter((comment) => comment.startsWith("pool:"))
    .map((comment) => {
      const [pool, windowWord, window, ...pairs] = comment.slice("pool:".length).trim().split(/\s+/);
      if (!pool || windowWord !== "window" || !window || pairs.length % 2 !== 0)
        throw new Error(`malformed claim "# ${comment}": pool: NAME window FIRST-LAST [key value]…`);
      const claim: { -readonly [K in keyof PoolClaim]: PoolClaim[K] } = {
        pool,
        window,
        domain: "",
        exclude: [],
        gateway: undefined,
        cooldown: 0,
      };
      for (let index = 0; index < pairs.length; index += 2) {
        const [key, value] = [pairs[index] as string, pairs[index + 1] as string];
        if (key === "domain") claim.domain = value;
        else if (key === "exclude") claim.exclude = value.split(",");
        else if (key === "gateway") claim.gateway = value;
        else if (key === "cooldown") claim.cooldown = Number(value);
        else throw new Error(`unknown field ${key} in claim "# ${comment}"`);
      }
      return claim;
    });
}

/** The `requested:` addresses a document's comment claims (the specific-IP example). */
export function requestedClaims(comments: readonly string[]): string[] {
  return comments
    .filter((comment) => comment.startsWith("requested:"))
    .flatMap((comment) =>
      comment
        .slice("requested:".length)
        .trim()
        .split(/[\s,]+/),
    );
}

/** One network a pod asks Multus for: by name, optionally with requested addresses. */
export interface NetworkSelection {
  readonly name: string;
  readonly ips?: readonly string[];
}

const NETWORKS = "k8s.v1.cni.cncf.io/networks";

/** The networks a Pod or a workload's pod template selects: a comma list of names, or Multus' JSON list. */
export function networksOf(object: KubeObject): NetworkSelection[] {
  if (!podSpecOf(object)) return [];
  const annotations =
    object.kind === "Pod"
      ? object.metadata.annotations
      : field<Record<string, string> | undefined>(object, "spec.template.metadata.annotations");
  const value = annotations?.[NETWORKS]?.trim();
  if (!value) return [];
  if (value.startsWith("[")) return JSON.parse(value) as NetworkSelection[];
  return value.split(",").map((name) => ({ name: name.trim() }));
}
