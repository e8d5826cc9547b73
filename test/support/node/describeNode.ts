import { describe, it } from "vitest";
import { findNodeService, type NodeService } from "./nodeService.js";

/** `describe` for a suite on the real node: fails without it under `CI`, else skips loudly. */
export function describeNode(name: string, body: (node: NodeService) => void): void {
  let node: NodeService | undefined;
  try {
    node = findNodeService(name);
  } catch (error) {
    const message = (error as Error).message;
    describe(name, () =>
      it("has a real node", () => {
        throw new Error(message);
      }),
    );
    return;
  }
  if (node) {
    const found = node;
    describe(name, () => body(found));
  } else {
    // Reason: no node is running and CI is not set; findNodeService printed a loud warning
    // naming test/services/node/start. Under CI it throws and the suite fails above instead.
    describe.skip(name, () =>
      body({ kubeconfig: "", kubectl: "", nodeName: "", containerdSocket: "", stateDir: "", apiserverPort: "" }),
    );
  }
}
