import { describe, it } from "vitest";
import { checkPrerequisites } from "./prerequisites.js";
import { pipesUnderTest, type PipeKind } from "./repoPaths.js";

/**
 * `describe` for an e2e suite that needs root, Debian's CNI plugins, iproute2 and the build. The
 * suite runs once per CNI executable, the native pipe and the node one (`body` gets which), unless
 * IPLEDGER_E2E_PLUGIN names one.
 * A missing build always fails. A missing machine part fails when `CI` is set (the message says
 * what to install) and otherwise skips the suite with a loud warning.
 *
 * @example
 *   describeE2e("bridge", (pipe) => { beforeAll(() => startWorld("bridge", pipe)); it("...", async () => { ... }); });
 */
export function describeE2e(name: string, suite: (pipe: PipeKind) => void): void {
  const found = checkPrerequisites();
  const body = (): void => {
    for (const pipe of pipesUnderTest()) describe(`${pipe} pipe`, () => suite(pipe));
  };
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
  console.warn(
    `\n${banner}\nSKIPPING e2e suite "${name}": ${problems}\n(set CI=1 to make this a failure)\n${banner}\n`,
  );
  // Reason: outside CI only, when the machine lacks root, `ip` or Debian's CNI plugins (the banner
  // above names what is missing and how to install it). With CI set, mustFail turns this into a failure.
  describe.skip(name, body);
}
