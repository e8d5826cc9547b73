import { existsSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";
import { LedgerError } from "../../ledger/core/index.js";

/**
 * Loads a kubeconfig file, failing with a message that says what to pass when it is missing or
 * names no cluster. Without a path, the in-cluster service account is used.
 *
 * @example
 *   const kubeConfig = loadKubeConfig("/etc/ipledger/kubeconfig");
 */
export function loadKubeConfig(path: string | undefined): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (path === undefined) {
    kubeConfig.loadFromCluster();
    return kubeConfig;
  }
  if (!existsSync(path)) {
    throw new LedgerError("INVALID_CONFIG", `kubeconfig ${path} does not exist; pass --kubeconfig with the path of a readable kubeconfig file`, { key: "--kubeconfig" });
  }
  try {
    kubeConfig.loadFromFile(path);
  } catch (error) {
    throw new LedgerError("INVALID_CONFIG", `kubeconfig ${path} cannot be read: ${(error as Error).message}`, { key: "--kubeconfig", cause: error });
  }
  if (!kubeConfig.getCurrentCluster()) {
    throw new LedgerError("INVALID_CONFIG", `kubeconfig ${path} has no current cluster; set current-context or pass another file`, { key: "--kubeconfig" });
  }
  return kubeConfig;
}
