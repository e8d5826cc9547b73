import { LedgerError } from "../../ledger/core/index.js";

/**
 * Parses CNI_ARGS (`K=V;K=V`) as libcni does: pairs split on ";" then on "=", and a pair
 * without exactly one "=" is an error. Unknown keys are kept, not refused: runtimes and Multus
 * always send keys an IPAM plugin does not know (K8S_POD_UID, MAC, ...).
 *
 * @example parseCniArgs("IgnoreUnknown=1;K8S_POD_NAME=web-0").get("K8S_POD_NAME") // "web-0"
 */
export function parseCniArgs(text: string | undefined): Map<string, string> {
  const args = new Map<string, string>();
  if (text === undefined || text.trim() === "") return args;
  for (const pair of text.split(";")) {
    if (pair === "") continue;
    const parts = pair.split("=");
    if (parts.length !== 2 || parts[0] === "") {
      throw new LedgerError(
        "INVALID_REQUEST",
        `CNI_ARGS pair ${JSON.stringify(pair)} is not KEY=VALUE; separate pairs with ";" and use one "=" per pair`,
        { key: "CNI_ARGS" },
      );
    }
    args.set(parts[0] as string, parts[1] as string);
  }
  return args;
}
