import type { Owner } from "../../ledger/core/index.js";

/**
 * The pods a churn history is made of. Pure bookkeeping with a seeded random source: which pods
 * live in a pool, which were deleted without a CNI DEL (left for GC), which sticky pods may come
 * back. No ledger logic: every change still goes through the decider and the fold.
 */
export interface GeneratedPod {
  readonly owner: Owner;
  readonly sticky: boolean;
}

export type Random = () => number;

/** A seeded uuid-shaped id, so a seed gives the same log byte for byte. */
export function seededUuid(random: Random): string {
  const hex = (digits: number): string =>
    Math.floor(random() * 16 ** digits)
      .toString(16)
      .padStart(digits, "0");
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${(8 + Math.floor(random() * 4)).toString(16)}${hex(3)}-${hex(6)}${hex(6)}`;
}

/** An exponential wait with mean `meanMs`: arrivals of a Poisson process. */
export function exponentialMs(random: Random, meanMs: number): number {
  return Math.max(1, Math.round(-Math.log(1 - random()) * meanMs));
}

/** Live pods, orphans (deleted without DEL) and sticky pods gone for now, of one pool. */
export class PoolPods {
  readonly live: GeneratedPod[] = [];
  readonly orphans: GeneratedPod[] = [];
  readonly stickyGone: GeneratedPod[] = [];
  private serial = 0;

  constructor(
    readonly index: number,
    private readonly nodes: number,
  ) {}

  /** A new pod of this pool, named so that sticky pods keep their name across sandboxes. */
  newPod(random: Random, sticky: boolean): GeneratedPod {
    this.serial += 1;
    const name = `${sticky ? "db" : "web"}-${this.index}-${this.serial}`;
    const owner: Owner = {
      containerId: seededUuid(random).replaceAll("-", ""),
      ifName: "net1",
      podNamespace: `team-${this.index % 7}`,
      podName: name,
      podUid: seededUuid(random),
      node: `node-${Math.floor(random() * this.nodes)}`,
    };
    return { owner, sticky };
  }

  /** The same pod in a new sandbox: what Kubernetes does when a pod's sandbox is recreated. */
  static resandboxed(pod: GeneratedPod, random: Random): GeneratedPod {
    return { ...pod, owner: { ...pod.owner, containerId: seededUuid(random).replaceAll("-", "") } };
  }

  /** Removes and returns a random element of `list` (order does not matter). */
  static takeRandom<T>(list: T[], random: Random): T | undefined {
    if (list.length === 0) return undefined;
    const index = Math.floor(random() * list.length);
    const taken = list[index] as T;
    list[index] = list[list.length - 1] as T;
    list.pop();
    return taken;
  }
}
