import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { NodeService } from "./nodeService.js";

const run = promisify(execFile);

/** A kubectl bound to the node's apiserver. */
export interface Kubectl {
  (args: readonly string[], input?: string): Promise<string>;
  json<T = unknown>(args: readonly string[]): Promise<T>;
  apply(yaml: string, namespace?: string): Promise<string>;
}

/** kubectl with the node's kubeconfig; a failure throws with kubectl's stderr in the message. */
export function kubectlFor(node: NodeService): Kubectl {
  const call = async (args: readonly string[], input?: string): Promise<string> => {
    const child = run(node.kubectl, [...args], {
      env: { ...process.env, KUBECONFIG: node.kubeconfig },
      maxBuffer: 64 * 2 ** 20,
    });
    if (input !== undefined) {
      child.child.stdin?.end(input);
    }
    try {
      return (await child).stdout;
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      throw new Error(`kubectl ${args.join(" ")}: ${e.stderr?.trim() || e.message}`);
    }
  };
  const kubectl = call as Kubectl;
  kubectl.json = async <T>(args: readonly string[]) => JSON.parse(await call([...args, "-o", "json"])) as T;
  kubectl.apply = (yaml: string, namespace?: string) =>
    call(["apply", ...(namespace ? ["-n", namespace] : []), "-f", "-"], yaml);
  return kubectl;
}

/** Polls `check` every `intervalMs` until it returns a value, or throws after `timeoutMs` with the last reason. */
export async function waitUntil<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
  intervalMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ""}`,
      );
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
