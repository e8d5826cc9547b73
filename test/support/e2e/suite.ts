import { describe, it } from "vitest";
import { checkPrerequisites } from "./prerequisites.js";

/**
 * `describe` for an e2e suite that needs root, Debian's CNI plugins, iproute2 and the build.
 * A missing build always fails. A missing machine part fails when `CI` is set (the message says
 * what to install) and otherwise skips the suite with a loud warning.
 *
 * @example
 *   describeE2e("bridge", () => { it("...", async () => { ... }); });
 */
export function describeE2e(name: string, body: () => void): void {
  const found = checkPrerequisites();
  if (found.ok) {
    describe(name, body);
    return;
  }
  const mustFail = found.build.length > 0 || Boolean(process.env["CI"]);
  const problems = [...found.environmental, ...found.build].join("; ");
  if (mustFail) {
    describe(name, () => {
      it("has its prerequisites", () => {
        throw new Error(`e2e prerequisites missing: ${problems}`);
      });
    });
    return;
  }
  const banner = "!".repeat(78);
  console.warn(`\n${banner}\nSKIPPING e2e suite "${name}": ${problems}\n(set CI=1 to make this a failure)\n${banner}\n`);
  // Reason: outside CI only, when the machine lacks root, `ip` or Debian's CNI plugins (the banner
  // above names what is missing and how to install it). With CI set, mustFail turns this into a failure.
  describe.skip(name, body);
}
