import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { DEPLOY_DIR, field, loadManifests, podSpecOf } from "../../support/deploy/deployManifests.js";

// The Dockerfile cannot be built here (no container engine), so its links to the rest of the
// repository are checked instead: what it copies exists and is not excluded by .dockerignore,
// and every program the manifests run is a file the image puts at that path.

const ROOT = join(DEPLOY_DIR, "..");
const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
const ignored = readFileSync(join(ROOT, ".dockerignore"), "utf8")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line !== "" && !line.startsWith("#"));
const copies = [...dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)].map((match) =>
  (match[1] as string).trim().split(/\s+/),
);
const installed = new Set([
  ...[...dockerfile.matchAll(/^COPY (?:--from=\S+ )?\S+(?: \S+)* (\/\S+)$/gm)].map((match) => match[1] as string),
  ...[...dockerfile.matchAll(/ln -s \S+ (\/\S+)/g)].map((match) => match[1] as string),
]);

it("copies only files of this repository that .dockerignore lets through", () => {
  const sources = copies.flatMap((parts) => parts.slice(0, -1));
  expect(sources.length).toBeGreaterThan(5);
  for (const source of sources) {
    expect(existsSync(join(ROOT, source)), source).toBe(true);
    expect(
      ignored.filter((pattern) => source === pattern || source.startsWith(`${pattern}/`)),
      source,
    ).toEqual([]);
  }
});

it("puts every program the manifests run where they run it", () => {
  const programs = loadManifests()
    .filter(({ file }) => !file.startsWith("examples/"))
    .flatMap(({ object }) => [...(podSpecOf(object)?.initContainers ?? []), ...(podSpecOf(object)?.containers ?? [])])
    .flatMap((container) => [
      container.command?.[0],
      ...["startupProbe", "readinessProbe", "livenessProbe"].map(
        (probe) => field<string[] | undefined>(container, `${probe}.exec.command`)?.[0],
      ),
    ])
    .filter((program): program is string => program !== undefined);
  expect(new Set(programs)).toEqual(
    new Set([
      "/usr/local/bin/ipledger-cluster",
      "/usr/local/bin/ipledger-install-cni",
      "/usr/local/bin/ipledger-probe",
    ]),
  );
  for (const program of programs) expect(installed, program).toContain(program);
  expect(installed).toContain("/usr/local/lib/ipledger/ipledger-cni"); // the installer's default IPLEDGER_PLUGIN
  expect(readFileSync(join(DEPLOY_DIR, "image/ipledger-install-cni.sh"), "utf8")).toContain(
    "PLUGIN=${IPLEDGER_PLUGIN:-/usr/local/lib/ipledger/ipledger-cni}",
  );
});
