import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, it } from "vitest";

/** The real kube-apiserver the int tests talk to (started by `test/services/kube/start`). */
export interface KubeService {
  /** Admin kubeconfig (`system:masters`). */
  readonly kubeconfig: string;
  /**
   * Kubeconfig of the low-privilege user `ipledger-agent` (no rights until a test binds a role),
   * found beside the admin one; `undefined` when that file is missing.
   */
  readonly agentKubeconfig: string | undefined;
}

const START_HINT = "start it with: export IPLEDGER_KUBECONFIG=$(test/services/kube/start | tail -n1)";

/**
 * Finds the kube service from `IPLEDGER_KUBECONFIG`. When it is unset (or names a missing file):
 * with `CI` set this throws, naming `test/services/kube/start`; otherwise it prints a loud
 * warning and returns `undefined`, and the caller skips.
 *
 * @example
 *   const kube = findKubeService("projector");
 *   if (kube) kc.loadFromFile(kube.kubeconfig);
 */
export function findKubeService(suite: string): KubeService | undefined {
  const path = process.env["IPLEDGER_KUBECONFIG"];
  const problem = !path
    ? "IPLEDGER_KUBECONFIG is not set"
    : !existsSync(path)
      ? `IPLEDGER_KUBECONFIG=${path} does not exist`
      : undefined;
  if (!problem && path) {
    const agent = join(dirname(path), "agent.kubeconfig");
    return { kubeconfig: path, agentKubeconfig: existsSync(agent) ? agent : undefined };
  }
  if (process.env["CI"]) {
    throw new Error(`kube-apiserver tests "${suite}" need a real apiserver: ${problem}; ${START_HINT}`);
  }
  const banner = "!".repeat(78);
  console.warn(
    `\n${banner}\nSKIPPING kube-apiserver suite "${suite}": ${problem}\n${START_HINT}\n(set CI=1 to make this a failure)\n${banner}\n`,
  );
  return undefined;
}

/**
 * `describe` for a suite that needs the real kube-apiserver: runs `body` with the service, fails
 * when it is missing and `CI` is set, and otherwise skips the suite loudly.
 *
 * @example
 *   describeKube("ippool projection", (kube) => { it("converges", async () => { ... }); });
 */
export function describeKube(name: string, body: (kube: KubeService) => void): void {
  let kube: KubeService | undefined;
  try {
    kube = findKubeService(name);
  } catch (error) {
    const message = (error as Error).message;
    describe(name, () => {
      it("has a kube-apiserver", () => {
        throw new Error(message);
      });
    });
    return;
  }
  if (kube) {
    const found = kube;
    describe(name, () => body(found));
  } else {
    // Reason: no kube-apiserver is running and CI is not set (findKubeService has already printed a
    // loud warning naming test/services/kube/start). With CI set, findKubeService throws and the
    // suite fails above instead of skipping.
    describe.skip(name, () => body({ kubeconfig: "", agentKubeconfig: undefined }));
  }
}
